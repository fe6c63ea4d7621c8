import type { Logger } from '@cruddur/logger';
import type { ConnectionRegistry, ReplicaDirectory } from '@cruddur/realtime';

export interface ConnectionTrackerOptions {
  registry: ConnectionRegistry;
  directory: ReplicaDirectory;
  replicaId: string;
  heartbeatMs: number;
  ttlMs: number;
  logger: Logger;
  /** The user had no live stream anywhere and now has one here. */
  onOnline?: (userUuid: string) => void;
  /** The user's last stream anywhere closed (here). */
  onOffline?: (userUuid: string) => void;
  /**
   * Publishers may have skipped this replica: the registry could not be renewed for a whole TTL, or a heartbeat
   * landed after the entry had expired or been reaped. Its streams must end, so clients reconnect and replay.
   */
  onLivenessLost?: () => void;
}

/** How soon a replica whose first announcement failed tries again (then at every heartbeat too). */
const ANNOUNCE_RETRY_MS = 100;

/**
 * This replica's side of the connection registry: it announces the replica (with its queue) and renews it every
 * heartbeat, and records a user on their first stream here and removes them on their last. Per user the writes
 * run one after another, so a quick reconnect cannot have its connect overtaken by the disconnect before it.
 */
export class ConnectionTracker {
  private readonly counts = new Map<string, number>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private heartbeat: Promise<void> | undefined;
  /**
   * Announcements in flight (a retry and a heartbeat may overlap), so stop() retires the replica only after they
   * land: one landing later would announce the replica again.
   */
  private readonly renewals = new Set<Promise<unknown>>();
  private lastRenewedAt = 0;
  private queueUrl: string | undefined;
  private readonly logger: Logger;

  constructor(private readonly options: ConnectionTrackerOptions) {
    this.logger = options.logger.child({ component: 'connections' });
  }

  /**
   * Announces the replica before it serves, so a stream opened here is routable from its first event. With the
   * registry unreachable (or its table not made yet) the replica still starts, retrying the announcement every
   * ANNOUNCE_RETRY_MS until it lands, and `assertRoutable` keeps /readyz red meanwhile: a DynamoDB outage must not
   * turn into a crash loop of every gateway, nor a balancer send streams to a replica that pushes cannot reach.
   */
  async start(queueUrl: string): Promise<void> {
    this.queueUrl = queueUrl;
    const announced = await this.renew().then(
      () => true,
      (err: unknown) => {
        this.logger.warn({ err }, 'replica announce failed; retrying');
        return false;
      },
    );
    if (!announced) this.retryAnnouncement();
    this.timer = setInterval(() => {
      // One heartbeat at a time: on a slow registry, heartbeats piling up behind each other only slow it more
      // (measured: renewals of 15 s under a loaded test run), and a later one lands no sooner.
      if (this.heartbeat) return;
      this.heartbeat = this.renew()
        .catch((err: unknown) => {
          this.logger.warn({ err }, 'replica heartbeat failed');
          if (Date.now() - this.lastRenewedAt >= this.options.ttlMs) {
            // Publishers have stopped sending here; clients must reconnect (elsewhere) and replay what they missed.
            this.options.onLivenessLost?.();
          }
        })
        .finally(() => {
          this.heartbeat = undefined;
        });
    }, this.options.heartbeatMs);
    this.timer.unref();
  }

  /**
   * Throws unless publishers can route to this replica: it has been announced, and renewed within the TTL that
   * publishers allow it. The gateway's /readyz asks this.
   */
  assertRoutable(): void {
    if (this.lastRenewedAt === 0) throw new Error('replica not announced in the connection registry yet');
    const sinceMs = Date.now() - this.lastRenewedAt;
    if (sinceMs >= this.options.ttlMs) {
      throw new Error(`replica entry not renewed for ${sinceMs} ms; publishers count it as gone`);
    }
  }

  /** Until the first announcement lands: a heartbeat apart would keep a fresh replica unready for seconds. */
  private retryAnnouncement(): void {
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.queueUrl === undefined || this.lastRenewedAt !== 0) return;
      this.renew().catch(() => this.retryAnnouncement());
    }, ANNOUNCE_RETRY_MS);
    this.retry.unref();
  }

  private renew(): Promise<void> {
    const renewal = this.options.registry
      .announceReplica(this.options.replicaId, this.queueUrl!, this.options.ttlMs)
      .then((previous) => {
        const renewing = this.lastRenewedAt !== 0;
        this.lastRenewedAt = Date.now();
        // A stalled process or a slow registry let the entry lapse: pushes were skipped, or a survivor reaped
        // this replica and cleared its users' entries. This heartbeat made it routable again for new streams.
        if (renewing && previous !== 'live') {
          this.logger.warn({ previous }, 'replica entry had lapsed; ending streams so clients replay');
          this.options.onLivenessLost?.();
        }
      });
    const settled = renewal.catch(() => undefined);
    this.renewals.add(settled);
    void settled.then(() => this.renewals.delete(settled));
    return renewal;
  }

  /** Retires the replica and removes its users' entries (their streams are closed by now). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.retry);
    await Promise.all(this.renewals);
    await Promise.allSettled(this.queues.values());
    // A retirement that fails leaves the entry to expire (REPLICA_TTL_MS): publishers stop sending here then.
    if (this.queueUrl)
      await this.options.registry
        .retireReplica(this.options.replicaId)
        .catch((err: unknown) =>
          this.logger.warn({ err }, 'replica retirement failed; its entry will expire'),
        );
    this.queueUrl = undefined;
  }

  private serial<T>(userUuid: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(userUuid) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.queues.set(userUuid, settled);
    void settled.then(() => {
      if (this.queues.get(userUuid) === settled) this.queues.delete(userUuid);
    });
    return next;
  }

  /** Resolves once the user's entry names this replica; throws (and counts nothing) when it could not be written. */
  async connected(userUuid: string): Promise<void> {
    const count = (this.counts.get(userUuid) ?? 0) + 1;
    this.counts.set(userUuid, count);
    // Not the first stream here: wait for the first one's registration, so this one is routable too.
    if (count > 1) return void (await this.queues.get(userUuid));
    try {
      await this.serial(userUuid, async () => {
        const others = await this.options.registry.connect(userUuid, this.options.replicaId);
        const live = await this.options.directory.live([...others.keys()]);
        const dead = new Map([...others].filter(([id]) => !live.has(id)));
        await this.options.registry
          .forgetReplicas(userUuid, dead)
          .catch((err: unknown) => this.logger.warn({ err }, 'could not drop dead replicas'));
        if (live.size === 0) this.options.onOnline?.(userUuid);
      });
    } catch (err) {
      this.release(userUuid);
      throw err;
    }
  }

  disconnected(userUuid: string): void {
    if (this.release(userUuid) > 0) return;
    this.serial(userUuid, async () => {
      // A new stream opened while this waited its turn: the entry must stay.
      if ((this.counts.get(userUuid) ?? 0) > 0) return;
      const remaining = await this.options.registry.disconnect(userUuid, this.options.replicaId);
      const live = await this.options.directory.live(remaining);
      if (live.size === 0) this.options.onOffline?.(userUuid);
    }).catch((err: unknown) =>
      // The entry stays until the replica dies or the user reconnects: a few pushes too many, nothing lost.
      this.logger.warn({ err, user_uuid: userUuid }, 'could not remove a connection'),
    );
  }

  private release(userUuid: string): number {
    const count = Math.max(0, (this.counts.get(userUuid) ?? 0) - 1);
    if (count === 0) this.counts.delete(userUuid);
    else this.counts.set(userUuid, count);
    return count;
  }

  isConnectedHere(userUuid: string): boolean {
    return (this.counts.get(userUuid) ?? 0) > 0;
  }
}
