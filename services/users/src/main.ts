import { runService } from '@cruddur/http';
import { usersConfigSchema } from './config.ts';
import { startUsersService } from './service.ts';

await runService({ name: 'users', schema: usersConfigSchema, start: startUsersService });
