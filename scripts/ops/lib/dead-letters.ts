import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { readQueueCounts } from '@cruddur/aws';

/** A dead-letter queue of the system and the queue its letters came from (none for the stream's). */
export interface DeadLetterQueueSpec {
  name: string;
  /** The variable that holds its URL (in `.data/local.env` locally, in the environment on AWS). */
  urlVar: string;
  source: { name: string; urlVar: string } | null;
  /** What its letters are, for an operator reading `dlq list`. */
  holds: string;
}

export const DEAD_LETTER_QUEUES: readonly DeadLetterQueueSpec[] = [
  {
    name: 'users-events-dlq',
    urlVar: 'USERS_EVENTS_DLQ_URL',
    source: { name: 'users-events', urlVar: 'USERS_EVENTS_QUEUE_URL' },
    holds: 'user events messaging could not apply',
  },
  {
    name: 'message-events-dlq',
    urlVar: 'MESSAGE_EVENTS_DLQ_URL',
    source: { name: 'message-events', urlVar: 'MESSAGE_EVENTS_QUEUE_URL' },
    holds: 'message events their consumer could not handle',
  },
  {
    name: 'stream-dlq',
    urlVar: 'STREAM_DLQ_URL',
    source: null,
    holds: 'stream records the stream consumer gave up on',
  },
];

export interface ResolvedQueue {
  spec: DeadLetterQueueSpec;
  /** Unset when neither a flag nor the environment names it: it is then looked up by name. */
  url: string | undefined;
  sourceUrl: string | undefined;
}

/**
 * Pure: each dead-letter queue with the URLs known for it and its source, `--queue-url name=url` flags
 * first, then the environment.
 */
export function resolveQueues(
  env: { readonly [name: string]: unknown },
  overrides: Record<string, string> = {},
): ResolvedQueue[] {
  const fromEnv = (name: string) => {
    const value = env[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  return DEAD_LETTER_QUEUES.map((spec) => ({
    spec,
    url: overrides[spec.name] ?? fromEnv(spec.urlVar),
    sourceUrl: spec.source ? (overrides[spec.source.name] ?? fromEnv(spec.source.urlVar)) : undefined,
  }));
}

/** Pure: `name=url` flags into a map, refusing names that are not queues of the system. */
export function parseQueueUrlFlags(flags: readonly string[]): Record<string, string> {
  const known = new Set(DEAD_LETTER_QUEUES.flatMap((q) => [q.name, ...(q.source ? [q.source.name] : [])]));
  const out: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    const name = flag.slice(0, eq);
    if (eq < 1 || !known.has(name)) {
      throw new Error(
        `--queue-url wants <queue>=<url> with a queue among ${[...known].join(', ')}: "${flag}"`,
      );
    }
    out[name] = flag.slice(eq + 1);
  }
  return out;
}

/** The queue's URL as configured, or asked from SQS by name (queue names are fixed by the AWS app). */
export async function locateQueue(sqs: SQSClient, name: string, url: string | undefined): Promise<string> {
  if (url) return url;
  try {
    return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
  } catch (err) {
    throw new Error(`no URL configured and no queue named ${name} found (${(err as Error).name})`);
  }
}

export interface QueueDepth {
  /** Messages waiting (what a redrive would move). */
  visible: number;
  /** Received by someone and not deleted yet: an operator looking at them, or a redrive under way. */
  in_flight: number;
  delayed: number;
}

export async function queueDepth(sqs: SQSClient, url: string): Promise<QueueDepth> {
  const { visible, inFlight, delayed } = await readQueueCounts(sqs, url);
  return { visible, in_flight: inFlight, delayed };
}

export interface DeadLetter {
  message_id: string;
  /** Why it was dead-lettered, as its consumer said; null when the queue's redrive policy moved it. */
  reason: string | null;
  /** Counting the receive that read it here. */
  receive_count: number;
  first_received_at: string | null;
  sent_at: string | null;
  /** The other attributes the dead-lettering consumer set (source_queue, consumer, sequence_number). */
  attributes: Record<string, string>;
  body_preview: string;
  body_chars: number;
  body: string;
}

const timestamp = (ms: string | undefined) => (ms ? new Date(Number(ms)).toISOString() : null);

/**
 * Pure: what an operator needs to know about one dead letter. The reason is the `reason` message attribute
 * our consumers set (EventConsumer for poisoned events, the stream consumer's DeadLetterSink); a stream dead
 * letter also carries it in its body, which is used when the attribute was lost.
 */
export function describeDeadLetter(message: Message, previewChars = 160): DeadLetter {
  const body = message.Body ?? '';
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (value.StringValue !== undefined) attributes[name] = value.StringValue;
  }
  const { reason: fromAttribute = null, ...others } = attributes;
  let reason = fromAttribute;
  if (reason === null) {
    try {
      const parsed = JSON.parse(body) as { reason?: unknown };
      if (typeof parsed.reason === 'string') reason = parsed.reason;
    } catch {
      // Not JSON: no reason in the body either.
    }
  }
  const flat = body.replace(/\s+/g, ' ');
  return {
    message_id: message.MessageId ?? '',
    reason,
    receive_count: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    first_received_at: timestamp(message.Attributes?.ApproximateFirstReceiveTimestamp),
    sent_at: timestamp(message.Attributes?.SentTimestamp),
    attributes: others,
    body_preview: flat.length > previewChars ? `${flat.slice(0, previewChars - 1)}…` : flat,
    body_chars: body.length,
    body,
  };
}

/** How long `peek` holds the messages it reads invisible at most, if it cannot make them visible again. */
export const PEEK_VISIBILITY_SECONDS = 30;

/**
 * Reads up to `limit` dead letters without consuming them: each is received with a short visibility
 * timeout (so a crash here hides it for PEEK_VISIBILITY_SECONDS at most) and made visible again at once
 * afterwards. Reading counts as a receive: each letter's receive count grows by one.
 */
export async function peekDeadLetters(
  sqs: SQSClient,
  url: string,
  { limit, previewChars }: { limit: number; previewChars?: number },
): Promise<DeadLetter[]> {
  const held: Message[] = [];
  try {
    const { visible } = await queueDepth(sqs, url);
    const want = Math.min(limit, visible);
    while (held.length < want) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.min(10, want - held.length),
          VisibilityTimeout: PEEK_VISIBILITY_SECONDS,
          // Long polling asks every SQS server, so a short queue is not reported empty by chance.
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: [
            'ApproximateReceiveCount',
            'ApproximateFirstReceiveTimestamp',
            'SentTimestamp',
          ],
        }),
      );
      if (Messages.length === 0) break;
      held.push(...Messages);
    }
    return held.map((m) => describeDeadLetter(m, previewChars));
  } finally {
    await release(sqs, url, held);
  }
}

async function release(sqs: SQSClient, url: string, messages: Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: messages.slice(i, i + 10).map((m, j) => ({
          Id: String(j),
          ReceiptHandle: m.ReceiptHandle!,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}

export interface RedriveResult {
  /** SQS's own move task, or receive-send-delete where the SQS at hand has no move task (the emulator). */
  method: 'move-task' | 'receive-send-delete';
  moved: number;
  failed: number;
  /** Why the move task failed, or the first send failure. */
  failure: string | null;
}

/** SQS answers this way for an action it does not implement (fauxqs: `Unknown action: StartMessageMoveTask`). */
export function isUnsupportedAction(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return (
    ['InvalidAction', 'UnsupportedOperation', 'UnknownOperationException'].includes(e.name ?? '') ||
    /unknown action|not supported|not implemented/i.test(e.message ?? '')
  );
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return Attributes!.QueueArn!;
}

export interface RedriveOptions {
  dlqUrl: string;
  sourceUrl: string;
  log?: (message: string) => void;
  /** How often a running move task is asked for its progress. */
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Moves the dead letters back to their source queue: with SQS's StartMessageMoveTask where it exists
 * (server-side, rate-managed, and it goes on if this process stops), otherwise by receive-send-delete.
 * The destination is always given, because a letter our consumers dead-lettered themselves was sent, not
 * moved, and SQS knows no source for it.
 */
export async function redriveDeadLetters(sqs: SQSClient, options: RedriveOptions): Promise<RedriveResult> {
  const log = options.log ?? (() => undefined);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const [dlqArn, sourceArn] = await Promise.all([
    queueArn(sqs, options.dlqUrl),
    queueArn(sqs, options.sourceUrl),
  ]);
  let taskHandle: string | undefined;
  try {
    taskHandle = (
      await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: sourceArn }))
    ).TaskHandle;
  } catch (err) {
    if (!isUnsupportedAction(err)) throw err;
    log('this SQS has no StartMessageMoveTask (the local emulator); moving by receive-send-delete');
    return receiveSendDelete(sqs, options);
  }
  log(`move task ${taskHandle} started; waiting for it (if this stops, the task goes on in SQS)`);
  for (;;) {
    const { Results = [] } = await sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 1 }),
    );
    const task = Results[0];
    if (task && task.Status !== 'RUNNING' && task.Status !== 'CANCELLING') {
      return {
        method: 'move-task',
        moved: task.ApproximateNumberOfMessagesMoved ?? 0,
        failed:
          task.Status === 'COMPLETED'
            ? 0
            : Math.max(
                0,
                (task.ApproximateNumberOfMessagesToMove ?? 0) - (task.ApproximateNumberOfMessagesMoved ?? 0),
              ),
        failure:
          task.Status === 'COMPLETED' ? null : `${task.Status}: ${task.FailureReason ?? 'no reason given'}`,
      };
    }
    if (task)
      log(
        `moved ${task.ApproximateNumberOfMessagesMoved ?? 0} of ${task.ApproximateNumberOfMessagesToMove ?? '?'}`,
      );
    await sleep(options.pollMs ?? 1_000);
  }
}

/** Attributes the dead-lettering added; the letter goes back as its producer sent it. */
const DEAD_LETTER_ATTRIBUTES = new Set(['reason', 'source_queue', 'consumer']);
/** Long enough to send and delete a batch; a letter whose send failed is back in the DLQ after it. */
const MOVE_VISIBILITY_SECONDS = 60;

function producerAttributes(message: Message): Record<string, MessageAttributeValue> | undefined {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, v] of Object.entries(message.MessageAttributes ?? {})) {
    if (DEAD_LETTER_ATTRIBUTES.has(name)) continue;
    out[name] = {
      DataType: v.DataType!,
      ...(v.StringValue !== undefined ? { StringValue: v.StringValue } : {}),
      ...(v.BinaryValue !== undefined ? { BinaryValue: v.BinaryValue } : {}),
    };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The fallback: batches of ten are received, sent to the source queue, and deleted from the DLQ only once
 * sent, so a crash can duplicate a letter but never lose one (our consumers are idempotent). It moves at
 * most what the DLQ held when it began: a letter that fails again at once and comes back is not moved round
 * and round while its consumer is still broken.
 */
async function receiveSendDelete(sqs: SQSClient, options: RedriveOptions): Promise<RedriveResult> {
  const { dlqUrl, sourceUrl } = options;
  const { visible } = await queueDepth(sqs, dlqUrl);
  let moved = 0;
  let failed = 0;
  let failure: string | null = null;
  while (moved + failed < visible) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: Math.min(10, visible - moved - failed),
        VisibilityTimeout: MOVE_VISIBILITY_SECONDS,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) break;
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: sourceUrl,
        Entries: Messages.map((m, i) => {
          const attributes = producerAttributes(m);
          return {
            Id: String(i),
            MessageBody: m.Body ?? '',
            ...(attributes ? { MessageAttributes: attributes } : {}),
          };
        }),
      }),
    );
    for (const f of sent.Failed ?? []) failure ??= `${f.Code}: ${f.Message ?? ''}`.trim();
    failed += sent.Failed?.length ?? 0;
    const ok = (sent.Successful ?? []).map((s) => Messages[Number(s.Id)]!);
    if (ok.length > 0) {
      const deleted = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: dlqUrl,
          Entries: ok.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
      // Sent but not deleted: it is in both queues now; the redelivered copy is harmless to an idempotent consumer.
      for (const f of deleted.Failed ?? []) failure ??= `sent but not deleted from the DLQ: ${f.Code}`;
    }
    moved += ok.length;
    options.log?.(`moved ${moved} of ${visible}`);
  }
  return { method: 'receive-send-delete', moved, failed, failure };
}
