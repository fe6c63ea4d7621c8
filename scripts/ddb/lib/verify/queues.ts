import { paginateListQueues, type SQSClient } from '@aws-sdk/client-sqs';
import { readQueueCounts } from '@cruddur/aws';
import type { Violation } from './violations.ts';

export interface QueueDepth {
  name: string;
  url: string;
  visible: number;
  inFlight: number;
  delayed: number;
  role: 'consumed' | 'dead-letter' | 'not-consumed-here';
}

export interface QueueVerification {
  queues: QueueDepth[];
  /** Messages sitting in dead-letter queues: handled by giving up, listed for operators. */
  deadLettered: number;
  violations: Violation[];
}

/** Queues whose consumer is outside this system (the durable copy of message-events): depth is only reported. */
export const DEFAULT_NOT_CONSUMED = ['message-events'];

/**
 * Every SQS message was handled or dead-lettered: every queue with a consumer here is empty (nothing
 * visible, nothing in flight). Dead-letter queues (`*-dlq`, `stream-dlq`) may hold messages.
 */
export async function verifyQueues(
  sqs: SQSClient,
  { prefix, notConsumed = DEFAULT_NOT_CONSUMED }: { prefix?: string; notConsumed?: readonly string[] } = {},
): Promise<QueueVerification> {
  const queues: QueueDepth[] = [];
  for await (const page of paginateListQueues(
    { client: sqs },
    { ...(prefix ? { QueueNamePrefix: prefix } : {}) },
  )) {
    for (const url of page.QueueUrls ?? []) queues.push(await queueDepth(sqs, url, notConsumed));
  }
  const violations: Violation[] = queues
    .filter((q) => q.role === 'consumed' && q.visible + q.inFlight + q.delayed > 0)
    .map((q) => ({
      kind: 'queue_not_drained',
      detail: `${q.name}: ${q.visible} visible, ${q.inFlight} in flight, ${q.delayed} delayed`,
    }));
  const deadLettered = queues
    .filter((q) => q.role === 'dead-letter')
    .reduce((n, q) => n + q.visible + q.inFlight, 0);
  return { queues, deadLettered, violations };
}

async function queueDepth(sqs: SQSClient, url: string, notConsumed: readonly string[]): Promise<QueueDepth> {
  const name = url.slice(url.lastIndexOf('/') + 1);
  const counts = await readQueueCounts(sqs, url);
  const role: QueueDepth['role'] =
    name.endsWith('-dlq') || name === 'stream-dlq'
      ? 'dead-letter'
      : notConsumed.includes(name)
        ? 'not-consumed-here'
        : 'consumed';
  return {
    name,
    url,
    ...counts,
    role,
  };
}
