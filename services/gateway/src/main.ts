import { loadConfig } from '@cruddur/config';
import { ShutdownRegistry } from '@cruddur/http';
import { createLogger } from '@cruddur/logger';
import { gatewayConfigSchema } from './config.ts';
import { startGateway } from './gateway.ts';

const config = loadConfig(gatewayConfigSchema);
const logger = createLogger({ name: 'gateway', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
const shutdown = new ShutdownRegistry({ logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });

const gateway = await startGateway(config, { logger });
shutdown.register('gateway', () => gateway.stop());
shutdown.installSignalHandlers();
