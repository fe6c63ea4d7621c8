import { feedKey, feedPosition } from '@cruddur/contracts';
import { describe, expect, it } from 'vitest';
import { planResume } from './resume.ts';

const nowMs = Date.parse('2026-12-01T12:00:00.000Z');
const settings = { nowMs, retentionHours: 48, overlapMs: 30_000 };
const id = '6f1c2a9e-1b7d-5c3e-8a4f-0d9e8c7b6a5f';

describe('planResume', () => {
  it('replays from the cursor less the overlap, the cursor event itself counted as received', () => {
    expect(planResume(feedKey(nowMs - 60_000, 3, id), settings)).toEqual({
      kind: 'replay',
      afterKey: feedPosition(nowMs - 90_000),
      cursorEventId: id,
    });
    // A position (what `ready` and `reset` carry) resumes the same way.
    expect(planResume(feedPosition(nowMs - 1_000), settings).kind).toBe('replay');
  });

  it('starts fresh without a cursor', () => {
    expect(planResume(undefined, settings)).toEqual({ kind: 'fresh' });
    expect(planResume('', settings)).toEqual({ kind: 'fresh' });
  });

  it('resets a cursor older than the retention, from the future, or not a cursor', () => {
    const reset = (reason: string) => ({ kind: 'reset', reason });
    expect(planResume(feedKey(nowMs - 48 * 3_600_000, 0, id), settings)).toEqual(reset('cursor_expired'));
    expect(planResume(feedKey(nowMs - 47 * 3_600_000, 0, id), settings).kind).toBe('replay');
    expect(planResume(feedKey(nowMs + 3_600_000, 0, id), settings)).toEqual(reset('cursor_invalid'));
    for (const garbled of ['x', `${id}`, '2026-13-45T99:00:00.000Z#000000#0', 'a#b#c'])
      expect(planResume(garbled, settings)).toEqual(reset('cursor_invalid'));
  });
});
