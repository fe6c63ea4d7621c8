import { marshall } from '@aws-sdk/util-dynamodb';
import type { EventEnvelope } from '@cruddur/contracts';
import { createMetricsRegistry } from '@cruddur/http';
import { silentLogger } from '@cruddur/logger';
import { drainQueue } from '@cruddur/stream-testing';
import { createTestQueue, sqsClient, testStack } from '@cruddur/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordError } from '../errors.ts';
import type { RecordHandler } from '../inbox/record-handler.ts';
import { ConsumerMetrics } from '../metrics.ts';
import { DeadLetterSink } from '../records/dead-letter.ts';
import type { StreamRecord } from '../records/stream-record.ts';
import { BatchProcessor } from './batch-processor.ts';

const stack = testStack();
const sqs = sqsClient(stack);
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup) await step();
  sqs.destroy();
});

const record = (seq: string, pk: string): StreamRecord => ({
  eventId: `e${seq}`,
  eventName: 'INSERT',
  sequenceNumber: seq,
  approximateCreatedAtMs: undefined,
  keys: marshall({ pk, sk: seq }),
  newImage: marshall({ pk, sk: seq }),
});

describe('BatchProcessor retry policy', () => {
  it('waits out a dependency outage without dead-lettering: connection refused uses up no attempts', async () => {
    const dlq = await createTestQueue(stack, { prefix: 'stream-dlq' });
    cleanup.push(dlq.drop);
    let calls = 0;
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' });
    const handler = {
      handleConversation: async () => undefined,
      handle: async () => {
        // Down for twice the attempt budget, as while DynamoDB Local or the broker restarts.
        if (++calls <= 8) throw new Error('request failed', { cause: refused });
        return { status: 'skipped' as const, reason: 'test' };
      },
    } as unknown as RecordHandler;
    const processor = new BatchProcessor({
      handler,
      deadLetters: new DeadLetterSink({ sqs, queueUrl: dlq.url, workerId: 'w1' }),
      publisher: { publish: async () => undefined },
      metrics: new ConsumerMetrics(createMetricsRegistry('test')),
      logger: silentLogger,
      maxAttempts: 4,
      retryBaseMs: 1,
      concurrency: 1,
    });
    const result = await processor.process([record('1', 'MSG#a')], {
      streamArn: 'arn:s',
      shardId: 'shard-1',
    });
    expect(result).toMatchObject({ skipped: 1, deadLettered: 0 });
    expect(calls).toBe(9);
    expect(await drainQueue(sqs, dlq.url)).toEqual([]);
  });

  it('retries a retryable failure, dead-letters it after MAX_RECORD_ATTEMPTS with the reason, and handles the rest', async () => {
    const dlq = await createTestQueue(stack, { prefix: 'stream-dlq' });
    cleanup.push(dlq.drop);
    const calls = new Map<string, number>();
    // The record handler's contract seen from the processor: this one fails on purpose, by sequence number.
    const handler = {
      handleConversation: async () => undefined,
      handle: async (r: StreamRecord) => {
        const n = (calls.get(r.sequenceNumber) ?? 0) + 1;
        calls.set(r.sequenceNumber, n);
        if (r.sequenceNumber === '2') throw new RecordError('table throttled', { retryable: true });
        if (r.sequenceNumber === '3' && n < 3) throw new RecordError('flaky', { retryable: true });
        return { status: 'skipped' as const, reason: 'test' };
      },
    } as unknown as RecordHandler;
    const published: EventEnvelope[][] = [];
    const processor = new BatchProcessor({
      handler,
      deadLetters: new DeadLetterSink({ sqs, queueUrl: dlq.url, workerId: 'w1' }),
      publisher: { publish: async (events) => void published.push([...events]) },
      metrics: new ConsumerMetrics(createMetricsRegistry('test')),
      logger: silentLogger,
      maxAttempts: 4,
      retryBaseMs: 1,
      concurrency: 4,
    });
    const result = await processor.process(
      [record('1', 'MSG#a'), record('2', 'MSG#a'), record('3', 'MSG#b'), record('4', 'MSG#a')],
      {
        streamArn: 'arn:s',
        shardId: 'shard-1',
      },
    );
    expect(result).toMatchObject({ skipped: 3, deadLettered: 1 });
    expect(calls.get('2')).toBe(4);
    expect(calls.get('3')).toBe(3);
    const letters = (await drainQueue(sqs, dlq.url)).map((b) => JSON.parse(b));
    expect(letters).toEqual([
      expect.objectContaining({
        reason: 'table throttled',
        attempts: 4,
        retryable: true,
        sequence_number: '2',
        shard_id: 'shard-1',
        stream_arn: 'arn:s',
      }),
    ]);
  });
});
