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

/** How many events wait, and how long the oldest has waited: the relay's lag. */
export async function outboxBacklog(db: Queryable): Promise<{ pending: number; oldestSeconds: number }> {
  const { rows } = await db.query<{ pending: string; oldest: number | null }>(
    `SELECT count(*) AS pending, extract(epoch FROM now() - min(created_at))::float8 AS oldest
       FROM outbox WHERE published_at IS NULL`,
  );
  return { pending: Number(rows[0]?.pending ?? 0), oldestSeconds: rows[0]?.oldest ?? 0 };
}

/**
 * Deletes up to `limit` events published longer than `retentionMs` ago. Consumers deduplicate on their
 * own side, so a sent row is only kept for operators; small batches keep each delete short.
 */
export async function prunePublished(db: Queryable, retentionMs: number, limit = 1_000): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM outbox WHERE id IN (
       SELECT id FROM outbox
        WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => $1::float8 / 1000)
        LIMIT $2)`,
    [retentionMs, limit],
  );
  return rowCount ?? 0;
}

/** Unpublished events: a backlog that keeps growing means the relay cannot reach the queue. */
export async function countPendingEvents(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    'SELECT count(*) AS n FROM outbox WHERE published_at IS NULL',
  );
  return Number(rows[0]?.n ?? 0);
}
