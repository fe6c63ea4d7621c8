import { loadConfig } from '@cruddur/config';
import { createApp, createServiceClient, ShutdownRegistry, startHttpServer } from '@cruddur/http';
import { createLogger } from '@cruddur/logger';
import { gatewayConfigSchema } from './config.ts';

const config = loadConfig(gatewayConfigSchema);
const logger = createLogger({ name: 'gateway', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
const shutdown = new ShutdownRegistry({ logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });

const users = createServiceClient({ baseUrl: config.USERS_URL, retries: 0 });
const messaging = createServiceClient({ baseUrl: config.MESSAGING_URL, retries: 0 });
const upstreamReady = async (client: typeof users) => {
  const res = await client.request('/readyz');
  if (res.status !== 200) throw new Error(`readyz answered ${res.status}`);
};

const app = createApp({
  logger,
  readiness: { users: () => upstreamReady(users), messaging: () => upstreamReady(messaging) },
});
const server = await startHttpServer(app, { port: config.PORT, logger });
shutdown.register('http server', () => server.close());
shutdown.installSignalHandlers();
