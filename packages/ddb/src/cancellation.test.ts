import { describe, expect, it } from 'vitest';
import { cancellationReasons, failedRoles } from './cancellation.ts';

const cancelled = (codes: string[]) =>
  Object.assign(new Error('Transaction cancelled'), {
    name: 'TransactionCanceledException',
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

describe('cancellation reasons', () => {
  it('are read only from a cancelled transaction', () => {
    expect(cancellationReasons(cancelled(['None']))).toEqual([{ Code: 'None' }]);
    expect(cancellationReasons(new Error('other'))).toBeUndefined();
    expect(cancellationReasons('not an error')).toBeUndefined();
  });

  it('are read by the role of the item they are about, whatever its position', () => {
    const roles = ['pair', 'conversation', 'inbox', 'inbox', 'inbox', 'message', 'idempotency'] as const;
    const reasons = cancellationReasons(
      cancelled(['ConditionalCheckFailed', 'None', 'None', 'None', 'None', 'None', 'ConditionalCheckFailed']),
    )!;
    expect(failedRoles(reasons, roles)).toEqual(new Set(['pair', 'idempotency']));
    // The same roles in a shorter transaction: position 4 is now the idempotency record, not a fourth item.
    const short = ['membership', 'message', 'idempotency'] as const;
    expect(
      failedRoles([{ Code: 'None' }, { Code: 'None' }, { Code: 'ConditionalCheckFailed' }], short),
    ).toEqual(new Set(['idempotency']));
  });

  it('ignore conflicts, which are not a failed condition, and reasons past the last item', () => {
    const roles = ['membership', 'message'] as const;
    expect(failedRoles([{ Code: 'TransactionConflict' }, { Code: 'None' }], roles)).toEqual(new Set());
    expect(
      failedRoles([{ Code: 'None' }, { Code: 'None' }, { Code: 'ConditionalCheckFailed' }], roles),
    ).toEqual(new Set());
    expect(failedRoles([{}], roles)).toEqual(new Set());
  });
});
