import { baseSchema, port, z } from '@cruddur/config';
import { DEFAULT_MESSAGE_TABLE } from '@cruddur/ddb';

export const messagingConfigSchema = baseSchema.extend({
  PORT: port(4572),
  DDB_MESSAGE_TABLE: z.string().min(3).default(DEFAULT_MESSAGE_TABLE),
  USERS_EVENTS_QUEUE_URL: z.url(),
});
export type MessagingConfig = z.infer<typeof messagingConfigSchema>;
