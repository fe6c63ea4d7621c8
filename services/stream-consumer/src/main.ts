import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { loadConfig } from '@cruddur/config';
import { createDocumentClient } from '@cruddur/ddb';
import { createApp, ShutdownRegistry, startHttpServer } from '@cruddur/http';
import { createLogger } from '@cruddur/logger';
import { streamConsumerConfigSchema } from './config.ts';

const config = loadConfig(streamConsumerConfigSchema);
const logger = createLogger({ name: 'stream-consumer', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
const shutdown = new ShutdownRegistry({ logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });

const ddb = createDocumentClient({ region: config.AWS_REGION, endpoint: config.DDB_ENDPOINT });
shutdown.register('dynamodb client', async () => ddb.destroy());

const app = createApp({
  logger,
  readiness: {
    dynamodb: () => ddb.send(new DescribeTableCommand({ TableName: config.DDB_MESSAGE_TABLE })),
    'lease table': () => ddb.send(new DescribeTableCommand({ TableName: config.DDB_LEASE_TABLE })),
  },
});
const server = await startHttpServer(app, { port: config.PORT, logger });
shutdown.register('http server', () => server.close());
shutdown.installSignalHandlers();
