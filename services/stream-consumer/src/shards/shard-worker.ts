import type { GetShardIteratorInput } from '@aws-sdk/client-dynamodb-streams';
import { SHARD_END, TRIM_HORIZON } from '@cruddur/ddb';
import { backoffMs, sleep } from '@cruddur/http';
import type { Logger } from '@cruddur/logger';
import { AbortedError, LeaseLostError } from '../errors.ts';
import type { HeldLease } from '../leases/held-lease.ts';
import type { LeaseCoordinator } from '../leases/lease-coordinator.ts';
import type { ConsumerMetrics } from '../metrics.ts';
import { fromSdkRecord } from '../records/stream-record.ts';
import type { BatchProcessor } from './batch-processor.ts';
import { classifyStreamError, type StreamsApi } from './streams-api.ts';

export interface ShardWorkerOptions {
  lease: HeldLease;
  streams: StreamsApi;
  processor: BatchProcessor;
  coordinator: LeaseCoordinator;
  metrics: ConsumerMetrics;
  logger: Logger;
  batchSize: number;
  pollIntervalMs: number;
  /** Called once the shard is closed and fully read, so discovery can look for its children at once. */
  onShardEnd?: () => void;
}

/**
 * Reads one leased shard: GetRecords, hand the batch to the processor, checkpoint, repeat. It recovers from an
 * expired iterator (a new one from the checkpoint), trimmed data (jump to the oldest record, count the gap),
 * throttling and outages (jittered backoff, then a new iterator from the checkpoint), and finishes a closed shard
 * with SHARD_END. `stop()` lets the current batch finish and checkpoint; `kill()` walks away mid-batch like a crash.
 */
export class ShardWorker {
  private readonly stopping = new AbortController();
  private readonly killed = new AbortController();
  private done: Promise<void> | undefined;
  private readonly logger: Logger;
  private readonly shardLabel: string;

  constructor(private readonly options: ShardWorkerOptions) {
    this.logger = options.logger.child({ component: 'shard-worker', lease: options.lease.key });
    this.shardLabel = options.lease.shardId;
  }

  get lease(): HeldLease {
    return this.options.lease;
  }

  start(): void {
    this.done ??= this.run().catch((err) => this.logger.error({ err }, 'shard worker crashed'));
  }

  /** Finish the batch in hand (and its checkpoint), then return. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.done;
  }

  /** Abandon the shard now: used when the lease is lost (the new owner re-reads from the checkpoint) and by hard kills. */
  async kill(): Promise<void> {
    this.stopping.abort();
    this.killed.abort();
    await this.done;
  }

  private async run(): Promise<void> {
    const { lease, streams, processor, coordinator, metrics, batchSize, pollIntervalMs } = this.options;
    let iterator: string | undefined;
    let fromOldest = false;
    let failures = 0;
    const wait = (ms: number) => sleep(ms, this.stopping.signal);
    // The next batch is read while this one is handled (a backlog's reads then cost no time of their own); it
    // is used only if the loop goes on from the iterator it was read with, so a failed batch is read again.
    let prefetched: { iterator: string; out: ReturnType<StreamsApi['getRecords']> } | undefined;
    this.logger.info({ checkpoint: lease.checkpoint }, 'reading shard');
    while (!this.stopping.signal.aborted && !lease.lost) {
      try {
        if (iterator === undefined) {
          if (lease.checkpoint === SHARD_END) return;
          iterator = await this.acquire(fromOldest);
          fromOldest = false;
          if (iterator === undefined) return await this.finish();
        }
        const out = await (prefetched?.iterator === iterator
          ? prefetched.out
          : streams.getRecords({ ShardIterator: iterator, Limit: batchSize }));
        prefetched = undefined;
        const records = (out.Records ?? []).map(fromSdkRecord);
        if (records.length > 0 && out.NextShardIterator !== undefined) {
          const next = streams.getRecords({ ShardIterator: out.NextShardIterator, Limit: batchSize });
          // A failed read surfaces when the loop awaits it, like any other read.
          next.catch(() => undefined);
          prefetched = { iterator: out.NextShardIterator, out: next };
        }
        if (records.length > 0) {
          const started = performance.now();
          const result = await processor.process(
            records,
            { streamArn: lease.streamArn, shardId: lease.shardId },
            this.killed.signal,
          );
          if (this.killed.signal.aborted) return;
          const last = records.at(-1)!;
          await coordinator.checkpoint(lease, last.sequenceNumber, result.newestRecordAtMs);
          metrics.batches.inc();
          this.logger.debug(
            { records: records.length, ...result, ms: Math.round(performance.now() - started) },
            'batch checkpointed',
          );
          metrics.shardLag.set(
            { shard: this.shardLabel },
            result.newestRecordAtMs === undefined ? 0 : Math.max(0, Date.now() - result.newestRecordAtMs),
          );
        }
        iterator = out.NextShardIterator;
        failures = 0;
        if (iterator === undefined) return await this.finish();
        if (records.length === 0) {
          metrics.shardLag.set({ shard: this.shardLabel }, 0);
          await wait(pollIntervalMs);
        }
      } catch (err) {
        if (err instanceof LeaseLostError || err instanceof AbortedError || this.killed.signal.aborted)
          return;
        const fault = classifyStreamError(err);
        failures++;
        if (fault === 'expired_iterator') {
          metrics.iteratorRenewals.inc({ reason: 'expired' });
          iterator = undefined;
          continue;
        }
        if (fault === 'trimmed') {
          metrics.iteratorRenewals.inc({ reason: 'trimmed' });
          // Only a real checkpoint can have records trimmed away behind it. From TRIM_HORIZON nothing was missed:
          // DynamoDB Local raises this when another table wrote first on a stream that was still empty.
          if (lease.checkpoint !== TRIM_HORIZON) {
            metrics.trimmedGaps.inc({ shard: this.shardLabel });
            this.logger.error(
              { checkpoint: lease.checkpoint },
              'records after the checkpoint were trimmed; resuming at the oldest record',
            );
          }
          iterator = undefined;
          fromOldest = true;
          await wait(backoffMs(Math.min(failures, 4), pollIntervalMs));
          continue;
        }
        if (fault !== 'throttled') {
          metrics.iteratorRenewals.inc({ reason: 'error' });
          iterator = undefined;
        }
        this.logger.warn({ err, fault, failures }, 'shard read failed; backing off');
        await wait(backoffMs(Math.min(failures, 8), Math.max(pollIntervalMs, 100)));
      }
    }
  }

  /** A closed shard read to its end: record SHARD_END so its children may start. */
  private async finish(): Promise<void> {
    await this.options.coordinator.shardEnded(this.options.lease);
    this.options.metrics.shardLag.remove({ shard: this.shardLabel });
    this.logger.info('shard finished');
    this.options.onShardEnd?.();
  }

  private async acquire(fromOldest: boolean): Promise<string | undefined> {
    const { lease, streams } = this.options;
    const input: GetShardIteratorInput =
      fromOldest || lease.checkpoint === TRIM_HORIZON
        ? { StreamArn: lease.streamArn, ShardId: lease.shardId, ShardIteratorType: 'TRIM_HORIZON' }
        : {
            StreamArn: lease.streamArn,
            ShardId: lease.shardId,
            ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
            SequenceNumber: lease.checkpoint,
          };
    const out = await streams.getShardIterator(input);
    return out.ShardIterator;
  }
}
