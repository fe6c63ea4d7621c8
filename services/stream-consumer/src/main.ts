import { loadConfig } from '@cruddur/config';
import { ShutdownRegistry } from '@cruddur/http';
import { createLogger } from '@cruddur/logger';
import { streamConsumerConfigSchema } from './config.ts';
import { startStreamConsumer } from './consumer.ts';

const config = loadConfig(streamConsumerConfigSchema);
const logger = createLogger({ name: 'stream-consumer', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
const shutdown = new ShutdownRegistry({ logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
shutdown.installSignalHandlers();

const consumer = await startStreamConsumer(config, { logger });
// SIGTERM: finish each batch, checkpoint, release the leases so another worker takes over at once.
shutdown.register('stream consumer', () => consumer.stop());
