import { loadConfig } from '@cruddur/config';
import { usersConfigSchema } from './config.ts';
import { startUsersService } from './service.ts';

const config = loadConfig(usersConfigSchema);
const service = await startUsersService(config);
service.shutdown.installSignalHandlers();
