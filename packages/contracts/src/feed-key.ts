import { toTimestamp } from './time.ts';

/**
 * Where a change sits in its recipients' change feeds, and the SSE id a client resumes from:
 * `<written_at ISO ms>#<index, 6 digits>#<event id>`. Sorts by write time, then by order within one write.
 */
const FEED_KEY = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)#(\d{6})#([0-9a-zA-Z-]{1,64})$/;

export function feedKey(writtenAt: Date | number, index: number, eventId: string): string {
  return `${toTimestamp(writtenAt)}#${String(index).padStart(6, '0')}#${eventId}`;
}

export function parseFeedKey(
  key: string,
): { writtenAtMs: number; index: number; eventId: string } | undefined {
  const match = FEED_KEY.exec(key);
  if (!match) return undefined;
  const writtenAtMs = Date.parse(match[1]!);
  if (!Number.isFinite(writtenAtMs)) return undefined;
  return { writtenAtMs, index: Number(match[2]), eventId: match[3]! };
}

/**
 * The smallest key at `atMs`: a position, not a change. A replay reads after it, so it is the cursor of a stream
 * that has been sent no change yet, and the lower bound of a replay window.
 */
export function feedPosition(atMs: number): string {
  return `${toTimestamp(atMs)}#000000#0`;
}
