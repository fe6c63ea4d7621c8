import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * Reading why a TransactWriteItems was cancelled. DynamoDB gives one reason per item of the request, in its
 * order; the request's builder names the item at each position (messaging's `Transaction.roles`, the stream
 * consumer's `buildCreateDirectInbox.roles`), so outcomes are read by what
 * failed (the pair lock, the membership check), not by a fixed index that moves when the item count does.
 */

export interface CancellationReason {
  Code?: string;
  /** The item as it stood, when its check asked for it (`ReturnValuesOnConditionCheckFailure: ALL_OLD`). */
  Item?: Record<string, AttributeValue>;
}

/** The reasons of a cancelled transaction; undefined when `err` is not a cancellation. */
export function cancellationReasons(err: unknown): CancellationReason[] | undefined {
  if (err instanceof Error && err.name === 'TransactionCanceledException') {
    return (err as Error & { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
  }
  return undefined;
}

/** The roles of the items whose condition failed. */
export function failedRoles<Role extends string>(
  reasons: readonly CancellationReason[],
  roles: readonly Role[],
): Set<Role> {
  const failed = new Set<Role>();
  reasons.forEach((reason, i) => {
    const role = roles[i];
    if (role !== undefined && reason.Code === 'ConditionalCheckFailed') failed.add(role);
  });
  return failed;
}
