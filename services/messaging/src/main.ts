import { runService } from '@cruddur/http';
import { messagingConfigSchema } from './config.ts';
import { startMessagingService } from './service.ts';

await runService({ name: 'messaging', schema: messagingConfigSchema, start: startMessagingService });
