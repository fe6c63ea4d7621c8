import { baseSchema, envBoolean, port, positiveInt, z } from '@cruddur/config';
import { feedRetentionHoursSetting, groupMaxMembersSetting } from '@cruddur/contracts';
import { DEFAULT_CONNECTION_TABLE, deliveryModeSetting } from '@cruddur/realtime';
import { signerEnv } from '@cruddur/service-auth';

/** A comma-separated list of origins; empty means no cross-origin access at all. */
const originList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin.length > 0),
  )
  .pipe(z.array(z.url()));

// Cognito's issuers: https://cognito-idp.<region>.amazonaws.com/<pool id> (and .amazonaws.com.cn in China).
const AWS_COGNITO_ISSUER =
  /^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[\w-]+_[0-9a-zA-Z]+\/?$/;

export const gatewayConfigSchema = baseSchema
  .extend({
    PORT: port(4567),
    USERS_URL: z.url(),
    MESSAGING_URL: z.url(),
    COGNITO_USER_POOL_ID: z.string().regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'must look like <region>_<id>'),
    COGNITO_CLIENT_ID: z.string().min(1),
    /**
     * Set locally to the Cognito emulator's issuer (http://127.0.0.1:9229/<pool>); unset on AWS, where the
     * issuer is derived from AWS_REGION and the pool id. Either way the same verifier runs.
     */
    COGNITO_ISSUER: z.url().optional(),
    CORS_ORIGINS: originList,
    /** The topic the stream consumer publishes inbox changes to; every replica subscribes its own queue. */
    MESSAGE_EVENTS_TOPIC_ARN: z.string().startsWith('arn:'),
    /** Names this replica's event queue; defaults to a random id so replicas never share a queue. */
    GATEWAY_REPLICA_ID: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/)
      .optional(),
    /**
     * `targeted`: pushes come only for users connected here (the connection registry routes them); `broadcast`:
     * this replica's queue is subscribed to the topic and gets every push. Every part must use the same mode.
     */
    REALTIME_DELIVERY: deliveryModeSetting,
    /** The connection registry: users to replicas, replicas to queues, presence settings. */
    DDB_CONNECTION_TABLE: z.string().min(3).default(DEFAULT_CONNECTION_TABLE),
    /** This replica renews its registry entry this often; publishers treat it as dead REPLICA_TTL_MS after the last. */
    REPLICA_HEARTBEAT_MS: positiveInt(5_000),
    REPLICA_TTL_MS: positiveInt(15_000),
    /** Publishers (typing, presence) cache which replicas are live this long. */
    REPLICA_CACHE_MS: positiveInt(2_000),
    /** A typing indicator ends by itself this long after its last renewal (the event's `until`). */
    TYPING_TTL_MS: positiveInt(5_000),
    /** Typing calls of one user in one conversation closer together than this are answered but not pushed again. */
    TYPING_COALESCE_MS: positiveInt(1_500),
    /** A user's contacts (who sees their presence) are re-read from their conversations after this long. */
    CONTACTS_CACHE_TTL_MS: positiveInt(30_000),
    /** Token bucket per user (per replica): a burst of RATE_LIMIT_BURST, refilled at RATE_LIMIT_PER_SECOND. */
    RATE_LIMIT_BURST: positiveInt(60),
    RATE_LIMIT_PER_SECOND: positiveInt(10),
    /** Behind a load balancer: key anonymous callers by the last X-Forwarded-For entry, not the socket. */
    TRUST_PROXY: envBoolean(false),
    /** The largest accepted request body; a 1024-character message is at most ~4 KiB of UTF-8. */
    BODY_LIMIT_BYTES: positiveInt(16 * 1024),
    UPSTREAM_TIMEOUT_MS: positiveInt(3_000),
    IDENTITY_CACHE_TTL_MS: positiveInt(30_000),
    IDENTITY_CACHE_SIZE: positiveInt(10_000),
    SSE_HEARTBEAT_MS: positiveInt(15_000),
    SSE_MAX_STREAMS_PER_USER: positiveInt(8),
    /** A reconnect with a Last-Event-ID older than this (hours) is told to reload; as the stream consumer's. */
    FEED_RETENTION_HOURS: feedRetentionHoursSetting,
    /**
     * A replay starts this long before the client's last event id, so a change logged with a slightly earlier key
     * after the client's last one (another consumer worker, a clock a little behind) is not skipped. Above the
     * stream consumer's FEED_WRITE_DEADLINE_MS (10 s) plus the clock skew between hosts.
     */
    FEED_REPLAY_OVERLAP_MS: positiveInt(30_000),
    /** More missed changes than this and the client is told to reload instead (it is cheaper than a replay). */
    FEED_REPLAY_MAX: positiveInt(20_000),
    /**
     * The most members a group may have besides its creator. At most 90, so every membership
     * transaction (a row per member, the group and its message) stays under DynamoDB's 100 items.
     */
    GROUP_MAX_MEMBERS: groupMaxMembersSetting,
    /**
     * Local development only: trust the Cognito emulator (an http issuer, and its signing key, which is
     * published in its npm package). Off, the gateway refuses to start with any issuer but a Cognito one.
     */
    AUTH_LOCAL_TRUST: envBoolean(false),
    /** Failed sign-ins per client address: a burst, refilled per second (429 with Retry-After beyond). */
    AUTH_FAILURE_BURST: positiveInt(20),
    AUTH_FAILURE_PER_SECOND: positiveInt(2),
    /** A valid token of a sub the users service does not know is remembered this long, to spare the look-up. */
    UNKNOWN_SUBJECT_TTL_MS: positiveInt(10_000),
    ...signerEnv,
  })
  .superRefine((config, ctx) => {
    if (config.REPLICA_HEARTBEAT_MS * 2 > config.REPLICA_TTL_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['REPLICA_TTL_MS'],
        message:
          'must be at least twice REPLICA_HEARTBEAT_MS, so one late heartbeat does not look like a dead replica',
      });
    }
    if (config.AUTH_LOCAL_TRUST || config.COGNITO_ISSUER === undefined) return;
    if (!AWS_COGNITO_ISSUER.test(config.COGNITO_ISSUER)) {
      ctx.addIssue({
        code: 'custom',
        path: ['COGNITO_ISSUER'],
        message:
          'must be a Cognito user pool issuer (https://cognito-idp.<region>.amazonaws.com/<pool>); an emulator issuer needs AUTH_LOCAL_TRUST=true, for local development only',
      });
    }
  });
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

/** The issuer the access tokens must carry: the emulator's locally, the user pool's on AWS. */
export function cognitoIssuer(
  config: Pick<GatewayConfig, 'COGNITO_ISSUER' | 'AWS_REGION' | 'COGNITO_USER_POOL_ID'>,
) {
  return (
    config.COGNITO_ISSUER?.replace(/\/$/, '') ??
    `https://cognito-idp.${config.AWS_REGION}.amazonaws.com/${config.COGNITO_USER_POOL_ID}`
  );
}
