import { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  describeDeadLetter,
  isUnsupportedAction,
  parseQueueUrlFlags,
  redriveDeadLetters,
  resolveQueues,
} from './dead-letters.ts';

describe('resolveQueues', () => {
  it('takes each URL from the flags first, then the environment, and leaves the rest to a look-up by name', () => {
    const queues = resolveQueues(
      { USERS_EVENTS_DLQ_URL: 'env-ue-dlq', USERS_EVENTS_QUEUE_URL: 'env-ue', STREAM_DLQ_URL: '' },
      { 'users-events-dlq': 'flag-ue-dlq', 'message-events': 'flag-me' },
    );
    expect(queues.map((q) => [q.spec.name, q.url, q.sourceUrl])).toEqual([
      ['users-events-dlq', 'flag-ue-dlq', 'env-ue'],
      ['message-events-dlq', undefined, 'flag-me'],
      ['stream-dlq', undefined, undefined],
    ]);
  });

  it('refuses a --queue-url that names no queue of the system', () => {
    expect(parseQueueUrlFlags(['stream-dlq=https://q/1', 'users-events=u=2'])).toEqual({
      'stream-dlq': 'https://q/1',
      'users-events': 'u=2',
    });
    expect(() => parseQueueUrlFlags(['orders-dlq=https://q'])).toThrow(/wants <queue>=<url>/);
    expect(() => parseQueueUrlFlags(['https://q'])).toThrow(/wants <queue>=<url>/);
  });
});

describe('describeDeadLetter', () => {
  it('reads the reason attribute, the receive count, both times, and previews the body on one line', () => {
    const letter = describeDeadLetter(
      {
        MessageId: 'm-1',
        Body: `{"a":\n  "${'x'.repeat(50)}"}`,
        Attributes: {
          ApproximateReceiveCount: '3',
          ApproximateFirstReceiveTimestamp: String(Date.UTC(2026, 11, 1, 10)),
          SentTimestamp: String(Date.UTC(2026, 11, 1, 9)),
        },
        MessageAttributes: {
          reason: { DataType: 'String', StringValue: 'invalid event: no type' },
          consumer: { DataType: 'String', StringValue: 'users-events' },
        },
      },
      20,
    );
    expect(letter).toEqual({
      message_id: 'm-1',
      reason: 'invalid event: no type',
      receive_count: 3,
      first_received_at: '2026-12-01T10:00:00.000Z',
      sent_at: '2026-12-01T09:00:00.000Z',
      attributes: { consumer: 'users-events' },
      body_preview: '{"a": "xxxxxxxxxxxx…',
      body_chars: 61,
      body: expect.stringContaining('xxx'),
    });
  });

  it("falls back on a stream dead letter's body for the reason, and says none when there is none", () => {
    expect(describeDeadLetter({ Body: '{"reason":"malformed message item"}' }).reason).toBe(
      'malformed message item',
    );
    expect(describeDeadLetter({ Body: 'not json' })).toEqual(
      expect.objectContaining({ reason: null, receive_count: 0, first_received_at: null }),
    );
  });
});

/**
 * The local emulator has no StartMessageMoveTask (the integration test covers the fallback), so the move-task
 * path is checked here with a client whose wire answers the way SQS does.
 */
function fakeSqs(answer: (command: string, input: Record<string, unknown>) => unknown) {
  const client = new SQSClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
  const calls: string[] = [];
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      calls.push(context.commandName!);
      const output = answer(context.commandName!, args.input as Record<string, unknown>);
      if (output instanceof Error) throw output;
      return { output: { $metadata: {}, ...(output as object) }, response: {} };
    },
    { step: 'initialize', name: 'fakeSqs' },
  );
  return { client, calls };
}

const arnOf = (input: Record<string, unknown>) => ({
  Attributes: { QueueArn: `arn:aws:sqs:us-east-1:1:${String(input.QueueUrl).split('/').pop()}` },
});

describe('redriveDeadLetters with SQS move tasks', () => {
  it('starts a move task to the source queue and waits until it completes', async () => {
    const started: Record<string, unknown>[] = [];
    let polls = 0;
    const sqs = fakeSqs((command, input) => {
      if (command === 'GetQueueAttributesCommand') return arnOf(input);
      if (command === 'StartMessageMoveTaskCommand') {
        started.push(input);
        return { TaskHandle: 'task-1' };
      }
      if (command === 'ListMessageMoveTasksCommand') {
        polls++;
        return {
          Results: [
            polls < 3
              ? {
                  Status: 'RUNNING',
                  ApproximateNumberOfMessagesMoved: polls,
                  ApproximateNumberOfMessagesToMove: 4,
                }
              : {
                  Status: 'COMPLETED',
                  ApproximateNumberOfMessagesMoved: 4,
                  ApproximateNumberOfMessagesToMove: 4,
                },
          ],
        };
      }
      return new Error(`unexpected ${command}`);
    });
    const log: string[] = [];
    const result = await redriveDeadLetters(sqs.client, {
      dlqUrl: 'http://q/000/users-events-dlq',
      sourceUrl: 'http://q/000/users-events',
      log: (m) => log.push(m),
      sleep: async () => undefined,
    });
    expect(result).toEqual({ method: 'move-task', moved: 4, failed: 0, failure: null });
    expect(started).toEqual([
      {
        SourceArn: 'arn:aws:sqs:us-east-1:1:users-events-dlq',
        DestinationArn: 'arn:aws:sqs:us-east-1:1:users-events',
      },
    ]);
    expect(log).toEqual([
      'move task task-1 started; waiting for it (if this stops, the task goes on in SQS)',
      'moved 1 of 4',
      'moved 2 of 4',
    ]);
  });

  it('reports a failed move task with its reason and what it did not move', async () => {
    const sqs = fakeSqs((command, input) => {
      if (command === 'GetQueueAttributesCommand') return arnOf(input);
      if (command === 'StartMessageMoveTaskCommand') return { TaskHandle: 't' };
      return {
        Results: [
          {
            Status: 'FAILED',
            FailureReason: 'AWS.SimpleQueueService.NonExistentQueue',
            ApproximateNumberOfMessagesMoved: 1,
            ApproximateNumberOfMessagesToMove: 3,
          },
        ],
      };
    });
    expect(
      await redriveDeadLetters(sqs.client, { dlqUrl: 'http://q/0/a-dlq', sourceUrl: 'http://q/0/a' }),
    ).toEqual({
      method: 'move-task',
      moved: 1,
      failed: 2,
      failure: 'FAILED: AWS.SimpleQueueService.NonExistentQueue',
    });
  });

  it('does not fall back when the move task is refused for another reason (e.g. access denied)', async () => {
    const denied = Object.assign(new Error('not authorized to perform sqs:StartMessageMoveTask'), {
      name: 'AccessDenied',
    });
    const sqs = fakeSqs((command, input) =>
      command === 'GetQueueAttributesCommand' ? arnOf(input) : denied,
    );
    await expect(
      redriveDeadLetters(sqs.client, { dlqUrl: 'http://q/0/a-dlq', sourceUrl: 'http://q/0/a' }),
    ).rejects.toThrow(/not authorized/);
    expect(sqs.calls).not.toContain('ReceiveMessageCommand');
  });

  it('knows an emulator that lacks the action', () => {
    expect(
      isUnsupportedAction(
        Object.assign(new Error('Unknown action: StartMessageMoveTask'), { name: 'InvalidAction' }),
      ),
    ).toBe(true);
    expect(isUnsupportedAction(Object.assign(new Error('denied'), { name: 'AccessDenied' }))).toBe(false);
  });
});
