import { baseSchema, port, positiveInt, z } from '@cruddur/config';

export const usersConfigSchema = baseSchema.extend({
  PORT: port(4571),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  USERS_EVENTS_QUEUE_URL: z.url(),
  OUTBOX_POLL_INTERVAL_MS: positiveInt(250),
  OUTBOX_BATCH_SIZE: positiveInt(50),
});
export type UsersConfig = z.infer<typeof usersConfigSchema>;
