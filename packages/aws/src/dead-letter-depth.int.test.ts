import { createServer, type Server, type Socket } from 'node:net';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createTestQueue, type TestQueue, testStack } from '@cruddur/test-kit';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqsClient } from './clients.ts';
import { registerDeadLetterDepth } from './dead-letter-depth.ts';

const line = (text: string, name: string) =>
  new RegExp(`^${name}\\{queue="users-events-dlq"\\} (\\S+)$`, 'm').exec(text)?.[1];
const depthIn = (text: string) => line(text, 'dead_letter_queue_messages');
const failuresIn = (text: string) => line(text, 'dead_letter_queue_read_failures_total');

describe('dead-letter queue depth at scrape time', () => {
  const stack = testStack();
  const sqs = createSqsClient({ region: 'us-east-1', endpoint: stack.sqsEndpoint });
  let queue: TestQueue;
  beforeAll(async () => {
    queue = await createTestQueue(stack, { prefix: 'dlq-depth' });
  });
  afterAll(async () => {
    await queue?.drop();
    sqs.destroy();
  });

  const send = (n: number) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        sqs.send(new SendMessageCommand({ QueueUrl: queue.dlqUrl, MessageBody: `dead ${i}` })),
      ),
    );

  it('reads ApproximateNumberOfMessages, reusing one read for the cache period', async () => {
    let clock = 1_000_000;
    const registry = new Registry();
    registerDeadLetterDepth({
      sqs,
      queues: { 'users-events-dlq': queue.dlqUrl },
      registry,
      cacheMs: 5_000,
      now: () => clock,
    });
    expect(depthIn(await registry.metrics())).toBe('0');
    await send(2);
    // Within the cache period the scrape answers from the last read.
    clock += 1_000;
    expect(depthIn(await registry.metrics())).toBe('0');
    clock += 5_000;
    expect(depthIn(await registry.metrics())).toBe('2');
    expect(failuresIn(await registry.metrics())).toBe('0');
  });

  it('keeps the last depth and counts the failure when the queue cannot be read', async () => {
    const dlq = await createTestQueue(stack, { prefix: 'dlq-gone' });
    let clock = 0;
    const registry = new Registry();
    registerDeadLetterDepth({
      sqs,
      queues: { 'users-events-dlq': dlq.dlqUrl },
      registry,
      cacheMs: 10,
      now: () => clock,
    });
    await sqs.send(new SendMessageCommand({ QueueUrl: dlq.dlqUrl, MessageBody: 'dead' }));
    expect(depthIn(await registry.metrics())).toBe('1');
    await dlq.drop();
    clock += 1_000;
    const text = await registry.metrics();
    expect([depthIn(text), failuresIn(text)]).toEqual(['1', '1']);
  });

  describe('with SQS not answering', () => {
    // Accepts connections and never answers: the SDK would wait its whole request timeout, and retry.
    const sockets: Socket[] = [];
    let silent: Server;
    let endpoint: string;
    beforeAll(async () => {
      silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      endpoint = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });

    it('the scrape still answers, with every other metric, and counts the failed read', async () => {
      const down = createSqsClient({ region: 'us-east-1', endpoint });
      const registry = new Registry();
      registry.setDefaultLabels({ service: 'messaging' });
      registerDeadLetterDepth({
        sqs: down,
        queues: { 'users-events-dlq': `${endpoint}/000000000000/users-events-dlq` },
        registry,
        timeoutMs: 200,
      });
      const text = await registry.metrics();
      down.destroy();
      // Never read: no depth is made up, and the failure is visible.
      expect(text).not.toMatch(/^dead_letter_queue_messages\{/m);
      expect(text).toMatch(
        /^dead_letter_queue_read_failures_total\{queue="users-events-dlq",service="messaging"\} 1$/m,
      );
    });
  });
});
