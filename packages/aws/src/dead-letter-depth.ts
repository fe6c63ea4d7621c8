import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { Counter, Gauge, type Registry } from 'prom-client';

/** The metric names the collector exports. */
const DEAD_LETTER_METRICS = {
  depth: 'dead_letter_queue_messages',
  readFailures: 'dead_letter_queue_read_failures_total',
} as const;

export interface DeadLetterDepthOptions {
  sqs: SQSClient;
  /** Queue URL by the name it is labelled with (`stream-dlq`, not the URL: the URL differs per environment). */
  queues: Record<string, string>;
  registry: Registry;
  /** A read is reused for this long, so several scrapers (an HA pair of Prometheus) cost SQS one call each. */
  cacheMs?: number;
  /** How long a scrape waits for SQS before it answers with the depth it last read. */
  timeoutMs?: number;
  now?: () => number;
}

/**
 * Exports the depth of dead-letter queues (ApproximateNumberOfMessages), read with GetQueueAttributes at
 * scrape time rather than polled. SQS being slow or down never fails or stalls the scrape: the read is
 * bounded by `timeoutMs`, a queue keeps the depth last read, and the failure is counted instead.
 */
export function registerDeadLetterDepth({
  sqs,
  queues,
  registry,
  cacheMs = 5_000,
  timeoutMs = 2_000,
  now = Date.now,
}: DeadLetterDepthOptions): void {
  const entries = Object.entries(queues);
  const failures = new Counter({
    name: DEAD_LETTER_METRICS.readFailures,
    help: 'Scrapes that could not read a dead-letter queue depth (the gauge keeps the last value read)',
    labelNames: ['queue'],
    registers: [registry],
    // The registry collects metrics side by side: this one too waits for the read, to count its failure.
    collect: () => refresh(),
  });
  // From zero, so the first failure is an increase that rate() and increase() can see.
  for (const [queue] of entries) failures.inc({ queue }, 0);

  const depth = new Gauge({
    name: DEAD_LETTER_METRICS.depth,
    help: 'Messages waiting in a dead-letter queue for an operator (ApproximateNumberOfMessages, read at scrape time)',
    labelNames: ['queue'],
    registers: [registry],
    collect: () => refresh(),
  });

  const readOne = async (queue: string, url: string) => {
    try {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
        // Also ends the SDK's own retries, which would otherwise outlast the scrape timeout.
        { abortSignal: AbortSignal.timeout(timeoutMs) },
      );
      const messages = Number(Attributes?.ApproximateNumberOfMessages);
      if (!Number.isFinite(messages)) throw new Error('no ApproximateNumberOfMessages in the answer');
      depth.set({ queue }, messages);
    } catch {
      failures.inc({ queue });
    }
  };

  let cached: { at: number; read: Promise<void> } | undefined;
  const refresh = (): Promise<void> => {
    const at = now();
    // Scrapes during a read share it; scrapes shortly after reuse its values.
    if (cached && at - cached.at < cacheMs) return cached.read;
    const read = Promise.all(entries.map(([queue, url]) => readOne(queue, url))).then(() => undefined);
    cached = { at, read };
    return read;
  };
}
