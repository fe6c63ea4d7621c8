import { isAwsOutage, PERMANENT_AWS_ERRORS } from '@cruddur/aws';
import { MalformedItemError } from '@cruddur/ddb';

/**
 * Why a record could not be handled. `retryable` decides its fate: a retryable failure is tried again (up to
 * MAX_RECORD_ATTEMPTS, or by Lambda's event source mapping); a permanent one goes to the dead-letter queue at
 * once, because no retry turns a malformed item into a valid one.
 */
export class RecordError extends Error {
  readonly retryable: boolean;
  /** The dependency, not the record, failed (unreachable, throttled, 5xx): waiting fixes it, so it uses up no attempts. */
  readonly outage: boolean;
  constructor(
    message: string,
    { retryable, outage = false, cause }: { retryable: boolean; outage?: boolean; cause?: unknown },
  ) {
    super(message, { cause });
    this.name = 'RecordError';
    this.retryable = retryable;
    this.outage = outage;
  }
}

/** Raised when a lease write is fenced off: another worker owns the shard now, so this one must stop at once. */
export class LeaseLostError extends Error {
  constructor(leaseKey: string) {
    super(`lease ${leaseKey} is no longer ours`);
    this.name = 'LeaseLostError';
  }
}

export class AbortedError extends Error {
  constructor() {
    super('aborted');
    this.name = 'AbortedError';
  }
}

/**
 * Wraps anything thrown while handling a record: AWS errors by name, our own by their flag (a malformed item read
 * back from the table is permanent, like a malformed record), the rest as retryable.
 */
export function toRecordError(err: unknown): RecordError {
  if (err instanceof RecordError) return err;
  if (err instanceof MalformedItemError)
    return new RecordError(err.message, { retryable: false, cause: err });
  const name = err instanceof Error ? err.name : 'Error';
  const message = err instanceof Error ? err.message : String(err);
  return new RecordError(`${name}: ${message}`, {
    retryable: !PERMANENT_AWS_ERRORS.has(name),
    outage: isAwsOutage(err),
    cause: err,
  });
}

export function isConditionalCheckFailed(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}
