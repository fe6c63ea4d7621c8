import { createQueuePublisher } from '@cruddur/aws';
import type { EventEnvelope } from '@cruddur/contracts';
import { silentLogger } from '@cruddur/logger';
import { createTestDatabase, createTestQueue, sqsClient, testStack, uniqueName } from '@cruddur/test-kit';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { receiveAllEvents } from '../test/service-fixture.ts';
import { createPool } from './data/db.ts';
import { countPendingEvents } from './data/outbox.ts';
import { migrateUsersDatabase } from './migrate.ts';
import { OutboxRelay, type OutboxRelayOptions } from './relay.ts';
import { registerUser } from './users.ts';

const stack = testStack();
const sqs = sqsClient(stack);
let pool: pg.Pool;
let dropDb: () => Promise<void>;
let queue: Awaited<ReturnType<typeof createTestQueue>>;
const relays: OutboxRelay[] = [];

function relay(options: Partial<OutboxRelayOptions> = {}, queueUrl = queue.url): OutboxRelay {
  const r = new OutboxRelay({
    pool,
    publisher: createQueuePublisher({ sqs, queueUrl }),
    logger: silentLogger,
    pollIntervalMs: 20,
    batchSize: 5,
    ...options,
  });
  relays.push(r);
  return r;
}

async function register(count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async () => {
      const tag = uniqueName('u').replace(/-/g, '_');
      const result = await registerUser(pool, {
        handle: tag.slice(0, 32),
        display_name: tag,
        email: `${tag}@example.com`,
        cognito_user_id: tag,
      });
      if (!result.ok) throw new Error(`unexpected conflict ${result.conflicts}`);
    }),
  );
}

async function outboxIds(): Promise<string[]> {
  return (await pool.query<{ id: string }>('SELECT id FROM outbox ORDER BY seq')).rows.map((r) => r.id);
}

function countById(events: EventEnvelope[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
  return counts;
}

beforeAll(async () => {
  const db = await createTestDatabase(stack, 'users_relay');
  dropDb = db.drop;
  await migrateUsersDatabase(db.url);
  pool = createPool(db.url, 20);
});
afterAll(async () => {
  await pool?.end();
  await dropDb?.();
  sqs.destroy();
});
// Each test starts from an empty outbox and its own queue, so counts on the queue are exact.
beforeEach(async () => {
  await pool.query('TRUNCATE outbox, users');
  queue = await createTestQueue(stack, { prefix: 'users-events' });
});
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.stop()));
  await queue.drop();
});

describe('outbox relay', () => {
  it('publishes every event exactly once with two relays running at once', async () => {
    await register(60);
    const a = relay();
    const b = relay();
    await Promise.all([a.start(), b.start()]);
    // More events while both relays are busy, as with live traffic.
    await register(30);

    await vi.waitFor(async () => expect(await countPendingEvents(pool)).toBe(0), { timeout: 20_000 });
    const events = await receiveAllEvents(sqs, queue.url);
    const counts = countById(events);
    expect(events).toHaveLength(90);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    expect([...counts.keys()].sort()).toEqual((await outboxIds()).sort());
    // Both relays did part of the work, so they really ran side by side.
    expect(a.stats.published).toBeGreaterThan(0);
    expect(b.stats.published).toBeGreaterThan(0);
    expect(a.stats.published + b.stats.published).toBe(90);
  });

  it('turns a crash between publish and mark into a duplicate with the same id, never a loss', async () => {
    await register(7);
    let crashedIds: readonly string[] = [];
    // The crash: after the batch is on the queue, the relay's database connection dies (as when its
    // process is killed), so the rows are never marked and their locks are released.
    const crashing = relay({
      afterPublish: async (ids) => {
        crashedIds = ids;
        await pool.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND state = 'idle in transaction' AND pid <> pg_backend_pid()`,
        );
      },
    });
    await expect(crashing.publishOnce()).rejects.toThrow();
    expect(crashedIds).toHaveLength(5);
    expect(await countPendingEvents(pool)).toBe(7);

    await relay().start();
    await vi.waitFor(async () => expect(await countPendingEvents(pool)).toBe(0), { timeout: 10_000 });

    const events = await receiveAllEvents(sqs, queue.url);
    const counts = countById(events);
    expect(events).toHaveLength(12);
    for (const id of crashedIds) expect(counts.get(id)).toBe(2);
    // Dropping duplicates by id leaves exactly the outbox: nothing lost, nothing invented.
    expect([...counts.keys()].sort()).toEqual((await outboxIds()).sort());
    const copies = events.filter((e) => e.id === crashedIds[0]);
    expect(copies[0]).toEqual(copies[1]);
  });

  it('keeps events pending, with the error noted, while the queue refuses them, then sends them', async () => {
    await register(3);
    const broken = relay({}, `${queue.url}-missing`);
    await expect(broken.publishOnce()).rejects.toThrow();
    const { rows } = await pool.query('SELECT attempts, last_error, published_at FROM outbox');
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row).toMatchObject({ attempts: 1, published_at: null });
      expect(row.last_error).toEqual(expect.any(String));
    }

    await relay().start();
    await vi.waitFor(async () => expect(await countPendingEvents(pool)).toBe(0), { timeout: 10_000 });
    expect(await receiveAllEvents(sqs, queue.url)).toHaveLength(3);
  });

  it('deletes published events past the retention period, never pending ones', async () => {
    await register(3);
    const r = relay({ retentionMs: 7 * 24 * 3_600_000 });
    expect(await r.publishOnce()).toBe(3);
    await pool.query(
      `UPDATE outbox SET published_at = now() - interval '8 days'
        WHERE id IN (SELECT id FROM outbox ORDER BY seq LIMIT 2)`,
    );
    // Old but never published: must survive any pruning.
    await register(1);
    await pool.query(`UPDATE outbox SET created_at = now() - interval '30 days' WHERE published_at IS NULL`);

    expect(await r.pruneOnce()).toBe(2);
    const { rows } = await pool.query('SELECT published_at IS NULL AS pending FROM outbox ORDER BY seq');
    expect(rows).toEqual([{ pending: false }, { pending: true }]);
    expect(await relay({ retentionMs: 0 }).pruneOnce()).toBe(0);
  });

  it('wakes on NOTIFY instead of waiting for its next poll', async () => {
    const r = relay({ listen: true, pollIntervalMs: 120_000 });
    await r.start();
    await vi.waitFor(() => expect(r.listening && r.stats.passes >= 1).toBe(true));
    await register(1);
    await vi.waitFor(async () => expect(await countPendingEvents(pool)).toBe(0), { timeout: 10_000 });
    expect(await receiveAllEvents(sqs, queue.url)).toHaveLength(1);
    await r.stop();
  });

  it('polls at the slow pace while listening, and a lost listener makes it poll and listen again at once', async () => {
    const r = relay({ listen: true, pollIntervalMs: 20, listeningPollIntervalMs: 120_000 });
    await r.start();
    await vi.waitFor(() => expect(r.listening && r.stats.passes >= 1).toBe(true));
    const passes = r.stats.passes;
    // At the 20 ms pace this would be about 15 more passes; listening, the next poll is two minutes away.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.stats.passes).toBe(passes);

    // Its LISTEN connection killed: without the wake-up on losing it, the relay would sleep two minutes before it
    // listened again, and these events would wait that long.
    await pool.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
    );
    await register(2);
    await vi.waitFor(async () => expect(await countPendingEvents(pool)).toBe(0), { timeout: 10_000 });
    expect(await receiveAllEvents(sqs, queue.url)).toHaveLength(2);
    await vi.waitFor(() => expect(r.listening).toBe(true));
    await r.stop();
  });
});
