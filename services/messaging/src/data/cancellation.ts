import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

/**
 * Reading why a TransactWriteItems was cancelled. DynamoDB gives one reason per item of the request, in its
 * order; `Transaction.roles` (requests.ts) names the item at each position, so outcomes are read by what
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

/**
 * The item of the first failed check with this role, as DynamoDB returned it with the cancellation (so a lost race
 * is answered with the winner's state without another read); undefined when it was not asked for or not there.
 */
export function failedItem<Role extends string>(
  reasons: readonly CancellationReason[],
  roles: readonly Role[],
  role: Role,
): Record<string, unknown> | undefined {
  const at = reasons.findIndex((r, i) => roles[i] === role && r.Code === 'ConditionalCheckFailed' && r.Item);
  const item = at >= 0 ? reasons[at]?.Item : undefined;
  return item ? unmarshall(item) : undefined;
}
