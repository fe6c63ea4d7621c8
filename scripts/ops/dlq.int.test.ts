import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { EventConsumer } from '@cruddur/aws';
import { silentLogger } from '@cruddur/logger';
import { createTestQueue, sqsClient, testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { queueDepth } from './lib/dead-letters.ts';

const exec = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./dlq', import.meta.url));
const stack = testStack();
const sqs = sqsClient(stack);
const cleanup: (() => Promise<unknown>)[] = [async () => sqs.destroy()];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

let env: NodeJS.ProcessEnv;
const queues = {
  usersEvents: '',
  usersEventsDlq: '',
  streamDlq: '',
};
const run = (args: string[]) => exec(SCRIPT, args, { env });
const failure = (args: string[]) =>
  run(args).then(
    (out) => {
      throw new Error(`expected a failure, got ${out.stdout}`);
    },
    (err: { code: number; stdout: string; stderr: string }) => err,
  );

beforeAll(async () => {
  // users-events dead-letters after one failed receive, so the redrive policy can be exercised quickly.
  const [usersEvents, messageEvents, stream] = await Promise.all([
    createTestQueue(stack, { prefix: 'ue', maxReceiveCount: 1 }),
    createTestQueue(stack, { prefix: 'me' }),
    createTestQueue(stack, { prefix: 'sc' }),
  ]);
  cleanup.push(usersEvents.drop, messageEvents.drop, stream.drop);
  Object.assign(queues, {
    usersEvents: usersEvents.url,
    usersEventsDlq: usersEvents.dlqUrl,
    streamDlq: stream.dlqUrl,
  });
  env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    SQS_ENDPOINT: stack.sqsEndpoint,
    USERS_EVENTS_QUEUE_URL: usersEvents.url,
    USERS_EVENTS_DLQ_URL: usersEvents.dlqUrl,
    MESSAGE_EVENTS_QUEUE_URL: messageEvents.url,
    MESSAGE_EVENTS_DLQ_URL: messageEvents.dlqUrl,
    STREAM_DLQ_URL: stream.dlqUrl,
  };

  // 1. Moved by the redrive policy: received and not deleted more often than maxReceiveCount allows.
  await sqs.send(
    new SendMessageCommand({ QueueUrl: usersEvents.url, MessageBody: '{"retried":"too often"}' }),
  );
  for (let i = 0; i < 2; i++) {
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: usersEvents.url, VisibilityTimeout: 0 }));
  }
  // 2. Poisoned: our own consumer dead-letters a body that is no event, with its reason.
  const consumer = new EventConsumer({
    name: 'dlq-test',
    sqs,
    queueUrl: usersEvents.url,
    deadLetterQueueUrl: usersEvents.dlqUrl,
    logger: silentLogger,
    handle: async () => undefined,
    waitTimeSeconds: 1,
  });
  await consumer.start();
  await sqs.send(new SendMessageCommand({ QueueUrl: usersEvents.url, MessageBody: 'not an event' }));
  await vi.waitFor(async () => expect((await queueDepth(sqs, usersEvents.dlqUrl)).visible).toBe(2), {
    timeout: 15_000,
    interval: 100,
  });
  await consumer.stop();
  // 3. A stream dead letter as the stream consumer's DeadLetterSink writes it.
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: stream.dlqUrl,
      MessageBody: JSON.stringify({ reason: 'malformed message item', sequence_number: '100' }),
      MessageAttributes: {
        reason: { DataType: 'String', StringValue: 'malformed message item' },
        sequence_number: { DataType: 'String', StringValue: '100' },
      },
    }),
  );
});

describe('scripts/ops/dlq', () => {
  it('list: every dead-letter queue of the system with its depth and source', async () => {
    const rows = JSON.parse((await run(['list', '--json'])).stdout);
    expect(rows).toEqual([
      expect.objectContaining({
        queue: 'users-events-dlq',
        source: 'users-events',
        visible: 2,
        in_flight: 0,
      }),
      expect.objectContaining({ queue: 'message-events-dlq', source: 'message-events', visible: 0 }),
      expect.objectContaining({ queue: 'stream-dlq', source: null, visible: 1, url: queues.streamDlq }),
    ]);
    const text = (await run(['list'])).stdout;
    expect(text).toContain(`dead-letter queues on local SQS ${stack.sqsEndpoint}`);
    expect(text).toMatch(/QUEUE\s+MESSAGES\s+IN FLIGHT\s+SOURCE\s+HOLDS/);
    expect(text).toMatch(/users-events-dlq\s+2\s+0\s+users-events/);
    expect(text).toMatch(/stream-dlq\s+1\s+0\s+\(stream\)/);
  });

  it('list: a queue that cannot be read is shown with its error, and the exit code says so', async () => {
    const missing = `${stack.sqsEndpoint}/000000000000/no-such-queue-${Date.now()}`;
    const out = await failure(['--queue-url', `message-events-dlq=${missing}`, 'list']);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/message-events-dlq\s+\?\s+\?\s+message-events\s+error: /);
    expect(out.stdout).toMatch(/users-events-dlq\s+2/);
  });

  it('show: each letter with its reason, id, receive count and body preview, and consumes none', async () => {
    const text = (await run(['show', 'users-events-dlq'])).stdout;
    expect(text).toContain('users-events-dlq: 2 waiting, 0 in flight; showing 2');
    expect(text).toContain('reason: invalid event:');
    expect(text).toContain('source_queue=');
    expect(text).toContain("reason: none recorded (moved by the queue's redrive policy");
    expect(text).toContain('body (23 chars): {"retried":"too often"}');
    expect(text).toMatch(/first received \d{4}-\d\d-\d\dT/);
    // Visible again at once, not after the visibility timeout.
    expect(await queueDepth(sqs, queues.usersEventsDlq)).toEqual({ visible: 2, in_flight: 0, delayed: 0 });

    const shown = JSON.parse((await run(['show', 'users-events-dlq', '--json', '--limit', '1'])).stdout);
    expect(shown.letters).toHaveLength(1);
    expect(shown.letters[0]).toEqual(
      expect.objectContaining({
        message_id: expect.any(String),
        receive_count: expect.any(Number),
        first_received_at: expect.any(String),
        body: expect.any(String),
      }),
    );
    const stream = JSON.parse((await run(['show', 'stream-dlq', '--json'])).stdout);
    expect(stream.letters).toEqual([
      expect.objectContaining({ reason: 'malformed message item', attributes: { sequence_number: '100' } }),
    ]);
    expect(await queueDepth(sqs, queues.streamDlq)).toEqual({ visible: 1, in_flight: 0, delayed: 0 });
  });

  it('refuses an unknown queue, a redrive nobody confirmed, and a redrive of the stream DLQ, in one line each', async () => {
    const unknown = await failure(['show', 'nope']);
    expect(unknown.stderr).toBe(
      'error: unknown queue "nope": one of users-events-dlq, message-events-dlq, stream-dlq\n',
    );
    const unconfirmed = await failure(['redrive', 'users-events-dlq']);
    expect(unconfirmed.stderr).toBe('error: refusing to redrive users-events-dlq without --yes\n');
    const stream = await failure(['redrive', 'stream-dlq', '--yes']);
    expect(stream.stderr).toMatch(/^error: stream-dlq holds stream records, not queue messages: [^\n]+\n$/);
    expect((await queueDepth(sqs, queues.usersEventsDlq)).visible).toBe(2);
  });

  it('redrive: moves every letter back to its source queue as its producer sent it (receive-send-delete here)', async () => {
    const out = await run(['redrive', 'users-events-dlq', '--yes', '--json']);
    expect(JSON.parse(out.stdout)).toEqual({
      queue: 'users-events-dlq',
      source: 'users-events',
      method: 'receive-send-delete',
      moved: 2,
      failed: 0,
      failure: null,
    });
    expect(out.stderr).toContain('no StartMessageMoveTask');
    expect(await queueDepth(sqs, queues.usersEventsDlq)).toEqual({ visible: 0, in_flight: 0, delayed: 0 });
    const back = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.usersEvents,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
      }),
    );
    expect(back.Messages?.map((m) => m.Body).sort()).toEqual(['not an event', '{"retried":"too often"}']);
    expect(back.Messages?.map((m) => m.MessageAttributes ?? {})).toEqual([{}, {}]);

    expect((await run(['redrive', 'users-events-dlq', '--yes'])).stdout).toBe(
      `users-events-dlq is empty on local SQS ${stack.sqsEndpoint}; nothing to redrive\n`,
    );
  });
});
