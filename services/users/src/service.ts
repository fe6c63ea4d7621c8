import { createQueuePublisher, createSqsClient } from '@cruddur/aws';
import { assembleService, type RunningService, serveHttp } from '@cruddur/http';
import type { Logger } from '@cruddur/logger';
import { createServiceVerifier } from '@cruddur/service-auth';
import type pg from 'pg';
import { createUsersApp } from './app.ts';
import type { UsersConfig } from './config.ts';
import { createPool } from './data/db.ts';
import { createUsersMetrics } from './metrics.ts';
import { migrateUsersDatabase } from './migrate.ts';
import { OutboxRelay, type OutboxRelayOptions } from './relay.ts';

export interface StartUsersServiceOptions {
  logger?: Logger;
  /** Overrides MIGRATE_ON_START. */
  migrate?: boolean;
  /** Overrides OUTBOX_RELAY_ENABLED; an object also tunes the relay (tests pass `afterPublish`). */
  relay?:
    | boolean
    | Partial<
        Pick<
          OutboxRelayOptions,
          'afterPublish' | 'pollIntervalMs' | 'listeningPollIntervalMs' | 'batchSize' | 'listen'
        >
      >;
  /** Interface to listen on; overrides HOST. */
  host?: string;
}

export interface UsersService extends RunningService {
  pool: pg.Pool;
  relay: OutboxRelay | undefined;
  app: ReturnType<typeof createUsersApp>;
}

/**
 * Starts the users service in this process: what main.ts runs, and what other teams' end-to-end tests
 * and `scripts/up` embed. Every part is registered on one ShutdownRegistry, stopped newest first.
 */
export async function startUsersService(
  config: UsersConfig,
  options: StartUsersServiceOptions = {},
): Promise<UsersService> {
  // stop() ends taking requests, finishes the relay's batch in flight, then closes the queue client and the pool.
  return assembleService({ name: 'users', config, logger: options.logger }, async (shutdown, logger) => {
    if (options.migrate ?? config.MIGRATE_ON_START) {
      const ran = await migrateUsersDatabase(config.DATABASE_URL, { logger });
      logger.info({ migrations: ran }, ran.length ? 'migrated' : 'schema up to date');
    }
    const pool = createPool(config.DATABASE_URL, config.PG_POOL_MAX);
    shutdown.register('postgres pool', () => pool.end());

    const metrics = createUsersMetrics(pool);
    let relay: OutboxRelay | undefined;
    const relayOption = options.relay ?? config.OUTBOX_RELAY_ENABLED;
    if (relayOption !== false) {
      const sqs = createSqsClient({ region: config.AWS_REGION, endpoint: config.SQS_ENDPOINT });
      shutdown.register('sqs client', async () => sqs.destroy());
      relay = new OutboxRelay({
        pool,
        publisher: createQueuePublisher({ sqs, queueUrl: config.USERS_EVENTS_QUEUE_URL }),
        logger,
        pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
        listeningPollIntervalMs: config.OUTBOX_LISTEN_POLL_INTERVAL_MS,
        batchSize: config.OUTBOX_BATCH_SIZE,
        listen: true,
        retentionMs: config.OUTBOX_RETENTION_HOURS * 3_600_000,
        metrics,
        ...(typeof relayOption === 'object' ? relayOption : {}),
      });
      await relay.start();
      shutdown.register('outbox relay', () => relay!.stop());
    }

    const verifier = createServiceVerifier({
      audience: 'users',
      publicKeys: config.SERVICE_AUTH_PUBLIC_KEYS,
    });
    const app = createUsersApp({ pool, logger, verifier, metrics: metrics.registry });
    const { url, port } = await serveHttp(shutdown, app, {
      port: config.PORT,
      host: options.host ?? config.HOST,
      logger,
    });
    return {
      url,
      port,
      pool,
      relay,
      app,
    };
  });
}
