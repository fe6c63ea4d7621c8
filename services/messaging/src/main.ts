import { loadConfig } from '@cruddur/config';
import { ShutdownRegistry } from '@cruddur/http';
import { createLogger } from '@cruddur/logger';
import { messagingConfigSchema } from './config.ts';
import { startMessagingService } from './index.ts';

const config = loadConfig(messagingConfigSchema);
const logger = createLogger({ name: 'messaging', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
const service = await startMessagingService(config, { logger });

const shutdown = new ShutdownRegistry({ logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
shutdown.register('messaging service', () => service.stop());
shutdown.installSignalHandlers();
