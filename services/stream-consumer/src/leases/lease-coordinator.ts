import { hostname } from 'node:os';
import { toTimestamp } from '@cruddur/contracts';
import { SHARD_END, type ShardLease } from '@cruddur/ddb';
import type { Logger } from '@cruddur/logger';
import { LeaseLostError } from '../errors.ts';
import type { ConsumerMetrics } from '../metrics.ts';
import { planTakes } from './balancer.ts';
import { HeldLease } from './held-lease.ts';
import type { LeaseStore } from './lease-store.ts';

export interface LeaseCoordinatorOptions {
  store: LeaseStore;
  workerId: string;
  durationMs: number;
  takeIntervalMs: number;
  logger: Logger;
  metrics: ConsumerMetrics;
  /** A shard is ours: start reading it. */
  onAcquired: (lease: HeldLease) => void;
  /** A shard is no longer ours (stolen, or not renewed in time): stop reading it at once, without checkpointing. */
  onLost: (lease: HeldLease) => void;
}

/**
 * Owns this worker's side of the lease table: a heartbeat item, renewals every third of the lease duration,
 * a take cycle that claims free and expired leases and steals to balance, fenced checkpoints, and release on stop.
 */
export class LeaseCoordinator {
  private readonly held = new Map<string, HeldLease>();
  private readonly timers: NodeJS.Timeout[] = [];
  private running = false;
  private readonly startedAt = toTimestamp();
  private readonly logger: Logger;

  constructor(private readonly options: LeaseCoordinatorOptions) {
    this.logger = options.logger.child({ component: 'lease-coordinator' });
  }

  get leases(): HeldLease[] {
    return [...this.held.values()];
  }

  async start(): Promise<void> {
    this.running = true;
    await this.heartbeat();
    await this.takeCycle().catch((err) => this.logger.warn({ err }, 'first take cycle failed; retrying'));
    this.every(Math.max(50, Math.floor(this.options.durationMs / 3)), () => this.renewAll());
    this.every(this.options.takeIntervalMs, () => this.takeCycle(), true);
  }

  /** Stops taking and renewing; held leases stay ours (and expire) until released. */
  stopTimers(): void {
    this.running = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.length = 0;
  }

  /** Graceful end: give every lease back so another worker takes it at once, and leave the fleet. */
  async stop(): Promise<void> {
    this.stopTimers();
    await Promise.allSettled(this.leases.map((lease) => this.release(lease)));
    await this.options.store
      .removeWorker(this.options.workerId)
      .catch((err) => this.logger.warn({ err }, 'could not remove the worker item'));
  }

  async checkpoint(lease: HeldLease, checkpoint: string, recordAtMs?: number): Promise<void> {
    const { store, workerId } = this.options;
    await lease.serialize(async () => {
      if (lease.lost) throw new LeaseLostError(lease.key);
      const ok = await store.checkpoint(lease.key, workerId, lease.counter, checkpoint, recordAtMs);
      if (!ok) {
        this.lose(lease, 'checkpoint fenced off');
        throw new LeaseLostError(lease.key);
      }
      lease.checkpoint = checkpoint;
    });
  }

  /** The shard is closed and fully read: record SHARD_END (which lets its children start) and let the lease go. */
  async shardEnded(lease: HeldLease): Promise<void> {
    await this.checkpoint(lease, SHARD_END);
    this.options.metrics.leaseChanges.inc({ change: 'ended' });
    await this.release(lease);
  }

  async release(lease: HeldLease): Promise<void> {
    const { store, workerId, metrics } = this.options;
    this.held.delete(lease.key);
    metrics.leasesHeld.set(this.held.size);
    if (lease.lost) return;
    await lease.serialize(async () => {
      lease.lost = true;
      if (await store.release(lease.key, workerId, lease.counter))
        metrics.leaseChanges.inc({ change: 'released' });
    });
  }

  private every(ms: number, fn: () => Promise<void>, jitter = false): void {
    const schedule = () => {
      if (!this.running) return;
      const delay = jitter ? ms * (0.8 + Math.random() * 0.4) : ms;
      const timer = setTimeout(async () => {
        this.timers.splice(this.timers.indexOf(timer), 1);
        await fn().catch((err) => this.logger.warn({ err }, 'lease cycle failed'));
        schedule();
      }, delay);
      this.timers.push(timer);
    };
    schedule();
  }

  private async heartbeat(): Promise<void> {
    const now = Date.now();
    await this.options.store.heartbeat({
      worker_id: this.options.workerId,
      expires_at: now + this.options.durationMs,
      last_heartbeat: toTimestamp(now),
      started_at: this.startedAt,
      leases_held: this.held.size,
      host: hostname(),
      pid: process.pid,
    });
  }

  private async renewAll(): Promise<void> {
    const { store, workerId, durationMs } = this.options;
    await Promise.all([
      this.heartbeat().catch((err) => this.logger.warn({ err }, 'worker heartbeat failed')),
      ...this.leases.map((lease) =>
        lease.serialize(async () => {
          if (lease.lost) return;
          const now = Date.now();
          try {
            if (await store.renew(lease.key, workerId, lease.counter, durationMs)) {
              lease.counter += 1;
              lease.expiresAt = now + durationMs;
            } else this.lose(lease, 'renewal fenced off');
          } catch (err) {
            // Unreachable lease table: keep going while our claim is still valid, then assume someone took over.
            if (Date.now() >= lease.expiresAt) this.lose(lease, 'could not renew before expiry');
            else this.logger.warn({ err, lease: lease.key }, 'renewal failed; will retry');
          }
        }),
      ),
    ]);
  }

  private async takeCycle(): Promise<void> {
    const { store, workerId } = this.options;
    const snapshot = await store.snapshot();
    for (const bad of snapshot.malformed)
      this.logger.warn(
        { lease: bad.leaseKey, issues: bad.detail },
        'lease table item is malformed; left alone',
      );
    for (const stored of snapshot.leases) {
      const mine = this.held.get(stored.lease_key);
      // Stolen since our last renewal: stop now rather than at the next renewal.
      if (mine && stored.owner !== workerId && stored.lease_counter > mine.counter)
        this.lose(mine, `taken by ${stored.owner}`);
    }
    // Dead workers' items only confuse stream-status once the fleet has long moved on.
    const longDead = Date.now() - 10 * this.options.durationMs;
    for (const worker of snapshot.workers) if (worker.expires_at < longDead) await store.pruneWorker(worker);
    if (!this.running) return;
    const plan = planTakes(
      snapshot.leases,
      snapshot.workers,
      { id: workerId, holding: new Set(this.held.keys()) },
      Date.now(),
    );
    for (const lease of plan.take) await this.take(lease, 'taken');
    if (plan.steal) await this.take(plan.steal, 'stolen');
  }

  private async take(lease: ShardLease, change: 'taken' | 'stolen'): Promise<void> {
    if (!this.running) return;
    const taken = await this.options.store.take(lease, this.options.workerId, this.options.durationMs);
    if (!taken) return;
    const held = HeldLease.from(taken);
    held.expiresAt = Date.now() + this.options.durationMs;
    // Its old reader is fenced off by the new counter: stop it now instead of at its next checkpoint.
    const previous = this.held.get(held.key);
    if (previous) this.lose(previous, 'taken again');
    this.held.set(held.key, held);
    this.options.metrics.leasesHeld.set(this.held.size);
    this.options.metrics.leaseChanges.inc({ change });
    this.logger.info(
      { lease: held.key, from: lease.owner, change, checkpoint: held.checkpoint },
      'lease acquired',
    );
    this.options.onAcquired(held);
  }

  private lose(lease: HeldLease, why: string): void {
    if (lease.lost) return;
    lease.lost = true;
    // Only this holding of the shard: a newer one of the same key (taken again since) is not lost with it.
    if (this.held.get(lease.key) === lease) this.held.delete(lease.key);
    this.options.metrics.leasesHeld.set(this.held.size);
    this.options.metrics.leaseChanges.inc({ change: 'lost' });
    this.logger.warn({ lease: lease.key, why }, 'lease lost');
    this.options.onLost(lease);
  }
}
