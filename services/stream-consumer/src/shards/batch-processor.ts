import type { EventPublisher } from '@cruddur/aws';
import type { EventEnvelope } from '@cruddur/contracts';
import { backoffMs, sleep } from '@cruddur/http';
import { type Logger, withRequestContext } from '@cruddur/logger';
import pLimit from 'p-limit';
import { AbortedError, type RecordError, toRecordError } from '../errors.ts';
import type { RecordHandler } from '../inbox/record-handler.ts';
import type { ConsumerMetrics } from '../metrics.ts';
import type { DeadLetterSink, DeadLetterSource } from '../records/dead-letter.ts';
import type { StreamRecord } from '../records/stream-record.ts';

/**
 * Events handed to the publisher at a time. Each call logs its events in the change feed (BatchWriteItem, 25 items a
 * request) and then sends them (PublishBatch, 10 a request): 50 events fill their feed requests (about 100 items,
 * two recipients each) where 10 left each about 20 items, so a catch-up batch of 1000 messages takes about 100 feed
 * writes instead of 140. A failed call is retried whole; readers dedupe on the event id.
 */
const PUBLISH_CHUNK = 50;
// Chunks in flight at once: 1000 records make about 20 chunks (140 PublishBatch calls); with 8 in flight, publishing
// took a sixth of a catch-up batch's time.
const PUBLISH_CONCURRENCY = 16;

export interface BatchProcessorOptions {
  handler: RecordHandler;
  deadLetters: DeadLetterSink;
  publisher: EventPublisher;
  metrics: ConsumerMetrics;
  logger: Logger;
  maxAttempts: number;
  retryBaseMs: number;
  concurrency: number;
}

export interface BatchResult {
  applied: number;
  skipped: number;
  deadLettered: number;
  /** The newest record time seen (a message's created_at, else the stream's approximate time), for the lag gauge. */
  newestRecordAtMs: number | undefined;
}

/** The longest pause between tries while a dependency is down. */
const OUTAGE_BACKOFF_CAP_MS = 2_000;

/**
 * Handles every record of a batch. Records of one conversation run in stream order, different conversations
 * concurrently. A failing record is retried with backoff; after `maxAttempts` (or at once, when the failure is
 * permanent) it is dead-lettered with the reason and the batch goes on. Events are published after all records,
 * before the caller checkpoints; if publishing or dead-lettering fails the whole batch fails and is read again
 * from the checkpoint, which is harmless because every update and event id is idempotent.
 */
export class BatchProcessor {
  constructor(private readonly options: BatchProcessorOptions) {}

  async process(
    records: readonly StreamRecord[],
    source: DeadLetterSource,
    signal?: AbortSignal,
  ): Promise<BatchResult> {
    const { metrics } = this.options;
    const groups = new Map<string, StreamRecord[]>();
    for (const record of records) {
      const group = record.keys?.pk?.S ?? '';
      const list = groups.get(group) ?? [];
      list.push(record);
      groups.set(group, list);
    }
    const events = new Map<StreamRecord, EventEnvelope[]>();
    const result: BatchResult = { applied: 0, skipped: 0, deadLettered: 0, newestRecordAtMs: undefined };
    const limit = pLimit(this.options.concurrency);
    await Promise.all(
      [...groups.values()].map((group) =>
        limit(async () => {
          if (await this.tryWholeConversation(group, events, result)) return;
          for (const record of group) {
            if (signal?.aborted) throw new AbortedError();
            const outcome = await this.handleWithRetries(record, source, signal);
            const at = outcome.createdAtMs ?? record.approximateCreatedAtMs;
            if (at !== undefined && (result.newestRecordAtMs === undefined || at > result.newestRecordAtMs))
              result.newestRecordAtMs = at;
            result[outcome.kind]++;
            metrics.records.inc({
              outcome: outcome.kind === 'deadLettered' ? 'dead_lettered' : outcome.kind,
            });
            if (outcome.events.length > 0) events.set(record, outcome.events);
          }
        }),
      ),
    );
    if (signal?.aborted) throw new AbortedError();
    // A standard SNS topic keeps no order: consumers dedupe on the id and keep the row with the newest last_message.
    const ordered = records.flatMap((r) => events.get(r) ?? []);
    if (ordered.length > 0) await this.publish(ordered, signal);
    return result;
  }

  /**
   * The catch-up shortcut: a conversation's records handled in one go. Any failure is left to the one-by-one
   * path, which repeats nothing harmful (every update is forward-only) and owns the retry and dead-letter policy.
   */
  private async tryWholeConversation(
    group: StreamRecord[],
    events: Map<StreamRecord, EventEnvelope[]>,
    result: BatchResult,
  ): Promise<boolean> {
    try {
      const handled = await withRequestContext(
        { requestId: group[0]!.eventId || group[0]!.sequenceNumber },
        () => this.options.handler.handleConversation(group),
      );
      if (!handled) return false;
      events.set(group.at(-1)!, handled.events);
      result.applied += group.length;
      this.options.metrics.records.inc({ outcome: 'applied' }, group.length);
      for (const m of handled.messages) {
        const at = Date.parse(m.created_at);
        if (result.newestRecordAtMs === undefined || at > result.newestRecordAtMs)
          result.newestRecordAtMs = at;
      }
      return true;
    } catch (err) {
      this.options.logger.warn({ err }, 'conversation shortcut failed; handling its records one by one');
      return false;
    }
  }

  private async handleWithRetries(
    record: StreamRecord,
    source: DeadLetterSource,
    signal: AbortSignal | undefined,
  ): Promise<{
    kind: 'applied' | 'skipped' | 'deadLettered';
    events: EventEnvelope[];
    createdAtMs?: number;
  }> {
    const { handler, metrics, maxAttempts, retryBaseMs, logger } = this.options;
    let lastError: RecordError | undefined;
    let attempts = 0;
    let outageWaits = 0;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (signal?.aborted) throw new AbortedError();
      attempts = attempt;
      try {
        const handled = await withRequestContext({ requestId: record.eventId || record.sequenceNumber }, () =>
          handler.handle(record),
        );
        if (handled.status === 'skipped') return { kind: 'skipped', events: handled.events ?? [] };
        return {
          kind: 'applied',
          events: handled.events,
          ...(handled.createdAtMs !== undefined ? { createdAtMs: handled.createdAtMs } : {}),
        };
      } catch (err) {
        lastError = toRecordError(err);
        metrics.recordFailures.inc({ retryable: String(lastError.retryable) });
        logger.warn(
          { err: lastError, sequence_number: record.sequenceNumber, attempt, retryable: lastError.retryable },
          'record failed',
        );
        if (lastError.outage) {
          // A record is not poison because DynamoDB or SNS is restarting: wait (the shard stalls, its lag
          // metric shows it) without using up the record's attempts, until the dependency is back or we stop.
          outageWaits++;
          attempt--;
          await sleep(backoffMs(Math.min(outageWaits, 8), retryBaseMs, OUTAGE_BACKOFF_CAP_MS), signal);
          continue;
        }
        if (!lastError.retryable) break;
        if (attempt < maxAttempts) await sleep(backoffMs(attempt, retryBaseMs), signal);
      }
    }
    const failure = lastError!;
    await this.options.deadLetters.send(record, {
      reason: failure.message,
      attempts,
      retryable: failure.retryable,
      source,
    });
    metrics.deadLettered.inc();
    logger.error(
      { sequence_number: record.sequenceNumber, reason: failure.message, attempts },
      'record dead-lettered',
    );
    return { kind: 'deadLettered', events: [] };
  }

  /**
   * Publishes in chunks of PUBLISH_CHUNK events, several at a time: a standard topic keeps no order anyway, and
   * consumers dedupe on the event id. Each chunk is retried on its own, so a retry resends at most one chunk.
   */
  private async publish(events: EventEnvelope[], signal: AbortSignal | undefined): Promise<void> {
    const { publisher, maxAttempts, retryBaseMs } = this.options;
    const limit = pLimit(PUBLISH_CONCURRENCY);
    const chunks: EventEnvelope[][] = [];
    for (let i = 0; i < events.length; i += PUBLISH_CHUNK) chunks.push(events.slice(i, i + PUBLISH_CHUNK));
    await Promise.all(
      chunks.map((chunk) =>
        limit(async () => {
          for (let attempt = 1; ; attempt++) {
            try {
              await publisher.publish(chunk);
              return;
            } catch (err) {
              if (attempt >= maxAttempts || signal?.aborted) throw err;
              this.options.logger.warn({ err, attempt }, 'publishing events failed; retrying');
              await sleep(backoffMs(attempt, retryBaseMs), signal);
            }
          }
        }),
      ),
    );
  }
}
