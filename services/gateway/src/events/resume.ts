import { feedPosition, parseFeedKey } from '@cruddur/contracts';

/** Why a reconnecting client must reload instead of being replayed what it missed (the `reset` event's reason). */
export type ResetReason = 'cursor_invalid' | 'cursor_expired' | 'too_many_changes';

export type ResumePlan =
  /** No last event id: a first connection; live events only. */
  | { kind: 'fresh' }
  /** Replay the feed after `afterKey` (the cursor less the overlap); the cursor's own event the client has. */
  | { kind: 'replay'; afterKey: string; cursorEventId: string }
  | { kind: 'reset'; reason: ResetReason };

export interface ResumeSettings {
  nowMs: number;
  retentionHours: number;
  overlapMs: number;
}

/**
 * What to do with the last event id a client reconnects with. A cursor is a feed key (`<time>#<index>#<event id>`,
 * the SSE id of a logged event, or the position a `ready` or `reset` carried). One older than the retention may
 * have lost changes to TTL, one from the future was never ours: both mean reload. Replay starts `overlapMs` before
 * the cursor because another writer may have logged a change with a slightly earlier key after the client's last.
 */
export function planResume(cursor: string | undefined, settings: ResumeSettings): ResumePlan {
  if (cursor === undefined || cursor === '') return { kind: 'fresh' };
  const parsed = parseFeedKey(cursor);
  if (!parsed) return { kind: 'reset', reason: 'cursor_invalid' };
  if (parsed.writtenAtMs > settings.nowMs + settings.overlapMs)
    return { kind: 'reset', reason: 'cursor_invalid' };
  // Replay reads back to cursor - overlap, so that is what must still be within the retention.
  if (parsed.writtenAtMs - settings.overlapMs < settings.nowMs - settings.retentionHours * 3_600_000)
    return { kind: 'reset', reason: 'cursor_expired' };
  return {
    kind: 'replay',
    afterKey: feedPosition(parsed.writtenAtMs - settings.overlapMs),
    cursorEventId: parsed.eventId,
  };
}
