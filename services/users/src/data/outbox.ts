import type { EventEnvelope } from '@cruddur/contracts';
import type { Queryable } from './db.ts';

/** Woken by every outbox insert (delivered at commit), so an idle relay publishes at once instead of at its next poll. */
export const OUTBOX_CHANNEL = 'users_outbox';

/** Writes an event beside the change it describes; call inside that change's transaction. */
export async function insertOutboxEvent(
  db: Queryable,
  aggregateId: string,
  event: EventEnvelope,
): Promise<void> {
  await db.query(`INSERT INTO outbox (id, aggregate_id, event_type, envelope) VALUES ($1, $2, $3, $4)`, [
    event.id,
    aggregateId,
    event.type,
    JSON.stringify(event),
  ]);
  await db.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`);
}

export interface PendingEvent {
  id: string;
  envelope: EventEnvelope;
}

/**
 * Locks up to `limit` unpublished events, oldest first. SKIP LOCKED lets several relays work side by
 * side: each takes rows no other relay holds, so no event is published by two relays at once.
 * The locks last until the caller's transaction ends.
 */
export async function claimPendingEvents(db: Queryable, limit: number): Promise<PendingEvent[]> {
  const { rows } = await db.query<PendingEvent>(
    `SELECT id, envelope FROM outbox
      WHERE published_at IS NULL
      ORDER BY seq
      LIMIT $1
      FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return rows;
}

export async function markPublished(db: Queryable, ids: readonly string[]): Promise<void> {
  await db.query(
    'UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE id = ANY($1::uuid[])',
    [ids],
  );
}

export async function recordPublishFailure(
  db: Queryable,
  ids: readonly string[],
  error: string,
): Promise<void> {
  await db.query('UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::uuid[])', [
    ids,
    error.slice(0, 1000),
  ]);
}

/** Unpublished events: a backlog that keeps growing means the relay cannot reach the queue. */
export async function countPendingEvents(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    'SELECT count(*) AS n FROM outbox WHERE published_at IS NULL',
  );
  return Number(rows[0]?.n ?? 0);
}
