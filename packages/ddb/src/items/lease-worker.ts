import { z } from 'zod';
import { workerKey } from '../keys.ts';
import { timestamp } from './fields.ts';

/**
 * A stream worker's heartbeat item on the lease table, `lease_key` = `worker#<id>`: how the balancer knows the
 * fleet size and stream-status lists the workers.
 */

export const leaseWorkerFields = z.object({
  lease_key: z.string(),
  kind: z.literal('worker'),
  worker_id: z.string(),
  /** Epoch ms; past it the worker counts as gone. */
  expires_at: z.number(),
  last_heartbeat: timestamp,
  started_at: timestamp,
  leases_held: z.number().int().nonnegative(),
  host: z.string().optional(),
  pid: z.number().int().optional(),
});

export const leaseWorkerSchema = leaseWorkerFields.refine(
  (w) => w.lease_key === workerKey(w.worker_id),
  'lease_key does not match worker_id',
);

export type WorkerItem = z.infer<typeof leaseWorkerSchema>;

export function workerItem(worker: Omit<WorkerItem, 'lease_key' | 'kind'>): WorkerItem {
  return { lease_key: workerKey(worker.worker_id), kind: 'worker', ...worker };
}
