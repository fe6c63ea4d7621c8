import { createMetricsRegistry } from '@cruddur/http';
import type pg from 'pg';
import { Counter, Gauge, type Registry } from 'prom-client';
import { outboxBacklog } from './data/outbox.ts';

/** What the relay counts; the backlog gauges are read from the outbox at scrape time. */
export interface RelayMetrics {
  published: Counter;
  failedBatches: Counter;
  pruned: Counter;
}

export interface UsersMetrics extends RelayMetrics {
  registry: Registry;
}

/**
 * The users service's Prometheus metrics, served at /metrics. The backlog (pending events and the age of
 * the oldest) is the one to alert on: it grows when no relay can reach the queue.
 */
export function createUsersMetrics(pool: pg.Pool): UsersMetrics {
  const registry = createMetricsRegistry('users');
  const registers = [registry];
  let backlog: Promise<{ pending: number; oldestSeconds: number }> | undefined;
  let last = { pending: 0, oldestSeconds: 0 };
  // One query per scrape for both gauges. With PostgreSQL down the last values stand: a failed query
  // must not fail the whole scrape, which would hide the process and request metrics with it.
  const readBacklog = () => {
    backlog ??= outboxBacklog(pool)
      .then(
        (read) => {
          last = read;
          return read;
        },
        () => last,
      )
      .finally(() => {
        backlog = undefined;
      });
    return backlog;
  };
  new Gauge({
    name: 'users_outbox_pending',
    help: 'Outbox events not yet published to users-events',
    registers,
    async collect() {
      this.set((await readBacklog()).pending);
    },
  });
  new Gauge({
    name: 'users_outbox_oldest_pending_seconds',
    help: 'Age of the oldest unpublished outbox event (0 when none): the relay lag',
    registers,
    async collect() {
      this.set((await readBacklog()).oldestSeconds);
    },
  });
  return {
    registry,
    published: new Counter({
      name: 'users_outbox_published_total',
      help: 'Events this process published',
      registers,
    }),
    failedBatches: new Counter({
      name: 'users_outbox_failed_batches_total',
      help: 'Outbox batches that could not be published (retried later)',
      registers,
    }),
    pruned: new Counter({
      name: 'users_outbox_pruned_total',
      help: 'Published outbox rows deleted after the retention period',
      registers,
    }),
  };
}
