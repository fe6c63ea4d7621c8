import { loadConfig } from '@cruddur/config';
import { createApp, ShutdownRegistry, startHttpServer } from '@cruddur/http';
import { createLogger } from '@cruddur/logger';
import pg from 'pg';
import { usersConfigSchema } from './config.ts';

const config = loadConfig(usersConfigSchema);
const logger = createLogger({ name: 'users', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
const shutdown = new ShutdownRegistry({ logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });

const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 10 });
shutdown.register('postgres pool', () => pool.end());

const app = createApp({ logger, readiness: { postgres: () => pool.query('select 1') } });
const server = await startHttpServer(app, { port: config.PORT, logger });
shutdown.register('http server', () => server.close());
shutdown.installSignalHandlers();
