import { baseSchema, envBoolean, port, positiveInt, z } from '@cruddur/config';
import { verifierEnv } from '@cruddur/service-auth';

export const usersConfigSchema = baseSchema.extend({
  PORT: port(4571),
  ...verifierEnv,
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  USERS_EVENTS_QUEUE_URL: z.url(),
  /** Outbox poll pause while LISTEN is down; with it up, inserts wake the relay at once. */
  OUTBOX_POLL_INTERVAL_MS: positiveInt(250),
  /** Outbox poll pause while LISTEN is up: only finds rows released by a crashed or refused batch. */
  OUTBOX_LISTEN_POLL_INTERVAL_MS: positiveInt(5_000),
  OUTBOX_BATCH_SIZE: positiveInt(50),
  /** Run pending migrations before serving (replicas wait on the migration lock, so this is safe with many). */
  MIGRATE_ON_START: envBoolean(false),
  /** Whether this process relays the outbox. Any number of relays may run; off only for API-only replicas. */
  OUTBOX_RELAY_ENABLED: envBoolean(true),
  PG_POOL_MAX: positiveInt(10),
  /** Published outbox rows are deleted after this long; consumers deduplicate on their own side. */
  OUTBOX_RETENTION_HOURS: positiveInt(168),
});
export type UsersConfig = z.infer<typeof usersConfigSchema>;
