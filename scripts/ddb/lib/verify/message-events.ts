import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ExpectedMessage, Violation } from './violations.ts';

export interface MessageEventState {
  created: Set<string>;
  deadLetters: { message_uuid: string | null; reason: string }[];
  events: number;
}

export interface MessageEventVerification {
  /** message.created events read from the durable message-events queue. */
  events: number;
  /** Stream records in the stream dead-letter queue, with the reason each gave up. */
  deadLetters: { message_uuid: string | null; reason: string }[];
  violations: Violation[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * No message event was lost: every accepted message has a `message.created` event on the durable
 * message-events queue, or its stream record is in the stream dead-letter queue. DESTRUCTIVE: it
 * consumes (receives and deletes) the message-events queue, acting as its downstream consumer, and
 * holds the dead letters invisible for a while; for test systems, not for operators.
 */
export async function verifyMessageEvents(
  sqs: SQSClient,
  {
    messageEventsUrl,
    streamDlqUrl,
    expected,
    state = { created: new Set(), deadLetters: [], events: 0 },
  }: {
    messageEventsUrl: string;
    streamDlqUrl?: string;
    expected: readonly ExpectedMessage[];
    /** What earlier calls consumed, so the check can be repeated until the system is quiet. */
    state?: MessageEventState;
  },
): Promise<MessageEventVerification> {
  const { created, deadLetters } = state;
  await drain(sqs, messageEventsUrl, true, (body) => {
    if (body.type !== 'message.created') return;
    state.events++;
    created.add(str((body.payload as Record<string, unknown> | undefined)?.message_uuid));
  });
  if (streamDlqUrl)
    await drain(sqs, streamDlqUrl, false, (body) => {
      // The dead letter carries the stream image as DynamoDB wrote it: `{message_uuid: {S: "..."}}`. It is the
      // image of a record that failed, so it is not parsed as a message item: only its uuid is read.
      const image = body.new_image as Record<string, unknown> | null | undefined;
      const field = image?.message_uuid as { S?: unknown } | string | undefined;
      const uuid = typeof field === 'string' ? field : str(field?.S);
      deadLetters.push({ message_uuid: uuid || null, reason: str(body.reason) });
    });
  const deadLettered = new Set(deadLetters.map((d) => d.message_uuid));
  const violations: Violation[] = expected
    .filter((e) => !created.has(e.message_uuid) && !deadLettered.has(e.message_uuid))
    .map((e) => ({
      kind: 'message_event_lost',
      detail: `accepted message ${e.message_uuid} has no message.created event and no dead letter`,
    }));
  return { events: state.events, deadLetters, violations };
}

/** Receives everything on a queue (deleting it when `remove`), handing each JSON body over; `{}` if not JSON. */
async function drain(
  sqs: SQSClient,
  url: string,
  remove: boolean,
  onBody: (body: Record<string, unknown>) => void,
): Promise<void> {
  // Two empty receives in a row: the emulator answers at once, so this ends quickly on an empty queue.
  for (let empty = 0; empty < 2; ) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 300,
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) {
      empty++;
      continue;
    }
    empty = 0;
    for (const m of messages) {
      try {
        onBody(JSON.parse(m.Body ?? '{}') as Record<string, unknown>);
      } catch {
        onBody({});
      }
    }
    if (remove)
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
  }
}
