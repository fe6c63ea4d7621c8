import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { CancellationReason } from '@cruddur/ddb';

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
