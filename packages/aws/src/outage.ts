/**
 * The one list of AWS and network failures that mean "a dependency is unavailable right now", not "this
 * request or item is wrong": the services answer them with a retryable 503, the stream consumer waits on
 * them without spending a record's attempts. The SDK has already retried by the time one surfaces.
 */

// Network failures: the other side is down, restarting or unreachable (a DynamoDB Local or broker restart, a deploy).
const OUTAGE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// AWS's own "slow down / not now" answers, and a table that is not there (yet): none is the caller's fault.
const OUTAGE_AWS_ERRORS = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'ResourceNotFoundException',
]);

/** Errors whose repetition can only give the same answer: the request or the item itself is wrong. */
export const PERMANENT_AWS_ERRORS: ReadonlySet<string> = new Set([
  'ValidationException',
  'SerializationException',
  'ItemCollectionSizeLimitExceededException',
]);

/** Whether an error (or anything in its cause chain) means a dependency is unavailable rather than the input is bad. */
export function isAwsOutage(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (typeof code === 'string' && OUTAGE_CODES.has(code)) return true;
    if (OUTAGE_AWS_ERRORS.has(e.name) || (status !== undefined && status >= 500)) return true;
  }
  return false;
}
