import type { EventPublisher } from '@cruddur/aws';
import type { Component } from '@cruddur/http';
import type { Logger } from '@cruddur/logger';
import type pg from 'pg';
import { withTransaction } from './data/db.ts';
import {
  claimPendingEvents,
  markPublished,
  OUTBOX_CHANNEL,
  prunePublished,
  recordPublishFailure,
} from './data/outbox.ts';
import type { RelayMetrics } from './metrics.ts';

export interface OutboxRelayOptions {
  pool: pg.Pool;
  publisher: EventPublisher;
  logger: Logger;
  /** Pause between polls while nothing wakes the relay (no LISTEN, or it is down). */
  pollIntervalMs?: number;
  /**
   * Pause between polls while LISTEN is up: inserts wake the relay, so this poll only finds rows a NOTIFY could
   * not announce (a batch another replica claimed and then rolled back, by crash or by a refused send).
   */
  listeningPollIntervalMs?: number;
  batchSize?: number;
  /** LISTEN for outbox inserts so new events go out at once; polling remains the safety net. */
  listen?: boolean;
  /** Longest wait between attempts while the queue keeps failing. */
  maxBackoffMs?: number;
  /** Published rows older than this are deleted (default 7 days); 0 keeps them forever. */
  retentionMs?: number;
  /** How often to delete old published rows (default once a minute). */
  pruneIntervalMs?: number;
  metrics?: RelayMetrics;
  /**
   * Runs after a batch is on the queue and before it is marked sent: the window in which a crash turns
   * into a duplicate. Tests throw here to simulate that crash; production leaves it unset.
   */
  afterPublish?: (ids: readonly string[]) => void | Promise<void>;
}

export interface RelayStats {
  published: number;
  failedBatches: number;
  /** Completed passes over the outbox, successful or not. */
  passes: number;
}

/**
 * Moves outbox rows to the users-events queue. Each batch is claimed with FOR UPDATE SKIP LOCKED inside
 * a transaction that stays open while the batch is sent and is committed only after the rows are
 * marked sent, so:
 * - any number of relays (replicas) can run at once, and no two publish the same row;
 * - a crash after sending but before the commit releases the rows, and they are sent again with the same
 *   event id: a duplicate that consumers drop by id, never a loss.
 */
export class OutboxRelay implements Component {
  readonly stats: RelayStats = { published: 0, failedBatches: 0, passes: 0 };
  private readonly logger: Logger;
  private readonly pollIntervalMs: number;
  private readonly listeningPollIntervalMs: number;
  private readonly batchSize: number;
  private readonly maxBackoffMs: number;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  // A NOTIFY that arrives mid-batch may be for rows the batch could not see yet: go round again at once.
  private notified = false;
  private listener: pg.PoolClient | undefined;
  private consecutiveFailures = 0;
  private lastPrune = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.logger = options.logger.child({ component: 'outbox-relay' });
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.listeningPollIntervalMs = options.listeningPollIntervalMs ?? 5_000;
    this.batchSize = options.batchSize ?? 50;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops polling; a batch in flight is finished (sent and marked, or rolled back) first. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loop;
    this.dropListener();
  }

  /**
   * Claims, sends and marks one batch; returns how many events went out. Throws when the queue refused
   * the batch (the rows stay pending with the error recorded) or when `afterPublish` throws.
   */
  async publishOnce(): Promise<number> {
    const outcome = await withTransaction(this.options.pool, async (client) => {
      const batch = await claimPendingEvents(client, this.batchSize);
      if (batch.length === 0) return { sent: 0 };
      const ids = batch.map((row) => row.id);
      try {
        await this.options.publisher.publish(batch.map((row) => row.envelope));
      } catch (err) {
        // Commit the failure note rather than roll back: operators see attempts and the last error per row.
        await recordPublishFailure(client, ids, err instanceof Error ? err.message : String(err));
        return { sent: 0, error: err };
      }
      await this.options.afterPublish?.(ids);
      await markPublished(client, ids);
      return { sent: ids.length };
    });
    if (outcome.error !== undefined) throw outcome.error;
    this.stats.published += outcome.sent;
    this.options.metrics?.published.inc(outcome.sent);
    return outcome.sent;
  }

  /** Deletes published rows past the retention period; returns how many. */
  async pruneOnce(): Promise<number> {
    const retentionMs = this.options.retentionMs ?? 7 * 24 * 3_600_000;
    if (retentionMs <= 0) return 0;
    const pruned = await prunePublished(this.options.pool, retentionMs);
    this.options.metrics?.pruned.inc(pruned);
    return pruned;
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (this.options.listen && !this.listener) await this.startListener();
      let sent = 0;
      try {
        sent = await this.publishOnce();
        this.consecutiveFailures = 0;
        if (sent > 0) this.logger.debug({ sent }, 'published outbox events');
      } catch (err) {
        this.consecutiveFailures++;
        this.stats.failedBatches++;
        this.options.metrics?.failedBatches.inc();
        this.logger.warn(
          { err, failures: this.consecutiveFailures },
          'outbox batch not published; will retry',
        );
      }
      this.stats.passes++;
      await this.pruneWhenDue();
      // A full batch means more may be waiting: go again at once.
      if (sent === this.batchSize) continue;
      await this.sleep(this.delay());
    }
  }

  private async pruneWhenDue(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < (this.options.pruneIntervalMs ?? 60_000)) return;
    this.lastPrune = now;
    try {
      const pruned = await this.pruneOnce();
      if (pruned > 0) this.logger.debug({ pruned }, 'pruned published outbox rows');
    } catch (err) {
      this.logger.warn({ err }, 'could not prune the outbox; will try again');
    }
  }

  private delay(): number {
    if (this.consecutiveFailures === 0)
      return this.listening ? this.listeningPollIntervalMs : this.pollIntervalMs;
    const backoff = Math.min(this.maxBackoffMs, this.pollIntervalMs * 2 ** this.consecutiveFailures);
    // Jitter, so replicas that failed together do not retry in lockstep.
    return backoff / 2 + Math.random() * (backoff / 2);
  }

  private sleep(ms: number): Promise<void> {
    if (this.notified || !this.running) {
      this.notified = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.notified = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** Whether inserts wake this relay right away (LISTEN is active). */
  get listening(): boolean {
    return this.listener !== undefined;
  }

  private async startListener(): Promise<void> {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.options.pool.connect();
      client.on('notification', () => {
        this.notified = true;
        this.wake?.();
      });
      // A dropped connection costs the wake-ups sent while it was down: poll now, and the next turn listens again.
      client.on('error', (err) => {
        this.logger.warn({ err }, 'outbox listener lost; polling until it is back');
        this.dropListener(err);
        this.wake?.();
      });
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      this.listener = client;
    } catch (err) {
      client?.release(true);
      this.logger.warn({ err }, 'could not listen for outbox inserts; polling only');
    }
  }

  private dropListener(err?: Error): void {
    const client = this.listener;
    this.listener = undefined;
    // Released with an error, so the pool discards the connection (it still has LISTEN on it).
    client?.release(err ?? new Error('listener closed'));
  }
}
