import { baseSchema, port, z } from '@cruddur/config';
import { groupMaxMembersSetting } from '@cruddur/contracts';
import { DEFAULT_MESSAGE_TABLE } from '@cruddur/ddb';
import { signerEnv, verifierEnv } from '@cruddur/service-auth';

export const messagingConfigSchema = baseSchema.extend({
  PORT: port(4572),
  DDB_MESSAGE_TABLE: z.string().min(3).default(DEFAULT_MESSAGE_TABLE),
  USERS_EVENTS_QUEUE_URL: z.url(),
  /** Poisoned user events (forged, or naming a user the users service does not have) go here with their reason. */
  USERS_EVENTS_DLQ_URL: z.url().optional(),
  /** Profile changes are re-read from the users service, the only source of profile truth. */
  USERS_URL: z.url(),
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(3_000),
  /**
   * How long a profile shown in lists and threads is reused before it is read again (0: never). A rename
   * applied by this replica shows at once; one applied by another replica within this long.
   */
  PROFILE_CACHE_TTL_MS: z.coerce.number().int().nonnegative().default(10_000),
  PROFILE_CACHE_SIZE: z.coerce.number().int().positive().default(10_000),
  /** Members a group may have besides its creator; the ceiling keeps every membership transaction under 100 items. */
  GROUP_MAX_MEMBERS: groupMaxMembersSetting,
  /** How long after sending a message its sender may edit it (deleting has no window). */
  MESSAGE_EDIT_WINDOW_MINUTES: z.coerce.number().int().min(0).max(525_600).default(15),
  /**
   * Messages expire this many days after they are sent (DynamoDB TTL on `expires_at`); unset: kept for good. Applies
   * to messages sent while it is set; the stream consumer treats each expiry like a delete.
   */
  MESSAGE_RETENTION_DAYS: z.coerce.number().int().positive().max(36_500).optional(),
  ...signerEnv,
  ...verifierEnv,
});
export type MessagingConfig = z.infer<typeof messagingConfigSchema>;
