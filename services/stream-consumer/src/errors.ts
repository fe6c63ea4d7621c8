/**
 * Why a record could not be handled. `retryable` decides its fate: a retryable failure is tried again (up to
 * MAX_RECORD_ATTEMPTS, or by Lambda's event source mapping); a permanent one goes to the dead-letter queue at
 * once, because no retry turns a malformed item into a valid one.
 */
export class RecordError extends Error {
  readonly retryable: boolean;
  constructor(message: string, { retryable, cause }: { retryable: boolean; cause?: unknown }) {
    super(message, { cause });
    this.name = 'RecordError';
    this.retryable = retryable;
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

// Errors whose repetition can only give the same answer: the request or the item itself is wrong.
const PERMANENT_AWS_ERRORS = new Set([
  'ValidationException',
  'SerializationException',
  'ItemCollectionSizeLimitExceededException',
]);

/** Wraps anything thrown while handling a record: AWS errors by name, our own by their flag, the rest as retryable. */
export function toRecordError(err: unknown): RecordError {
  if (err instanceof RecordError) return err;
  const name = err instanceof Error ? err.name : 'Error';
  const message = err instanceof Error ? err.message : String(err);
  return new RecordError(`${name}: ${message}`, { retryable: !PERMANENT_AWS_ERRORS.has(name), cause: err });
}

export function isConditionalCheckFailed(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}
