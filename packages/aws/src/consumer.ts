import {
  ChangeMessageVisibilityBatchCommand,
  type Message,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { AppError, type EventEnvelope, parseEventBundleJson, parseEventJson } from '@cruddur/contracts';
import { type Logger, withRequestContext } from '@cruddur/logger';
import { Consumer } from 'sqs-consumer';

/**
 * Thrown by a handler for an event that can never succeed however often it is retried (a payload the
 * producer could not have written, a forged event). The consumer dead-letters it with `reason`.
 */
export class PoisonEventError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'PoisonEventError';
  }
}

export interface EventConsumerOptions {
  name: string;
  sqs: SQSClient;
  queueUrl: string;
  /**
   * Where a poisoned event goes at once, with its reason as a message attribute. Without it, a poisoned
   * event is left for the queue's redrive policy (after maxReceiveCount), its reason only in the log.
   */
  deadLetterQueueUrl?: string | undefined;
  logger: Logger;
  /** Handles one checked event. Throwing leaves the message on the queue to be retried, and after the
   * queue's maxReceiveCount SQS moves it to the dead-letter queue. Must be idempotent: SQS is at-least-once.
   * Throwing a PoisonEventError, or an AppError that is not retryable, dead-letters it at once instead. */
  handle: (event: EventEnvelope) => Promise<void>;
  /** Accept bundles (`{"bundle":[...]}`, targeted real-time delivery) besides single envelopes; each is handled in order. */
  bundles?: boolean;
  batchSize?: number;
  visibilityTimeoutSeconds?: number;
  waitTimeSeconds?: number;
}

/** Seconds before a failed message is seen again: 1, 2, 4 ... up to 30, by how often it was received. */
function retryDelaySeconds(message: Message | undefined): number {
  const received = Number(message?.Attributes?.ApproximateReceiveCount ?? 1);
  return Math.min(30, 2 ** Math.max(0, received - 1));
}

function poisonReason(err: unknown): string | undefined {
  if (err instanceof PoisonEventError) return err.reason;
  if (err instanceof AppError && !err.retryable) return `refused: ${err.codes.join(',')}`;
  return undefined;
}

/**
 * A long-polling SQS consumer of catalog events (sqs-consumer underneath: batching, visibility
 * heartbeats, graceful stop). A body that is not a valid event, or an event its handler calls poisoned,
 * is never retried into success: it is dead-lettered with its reason, where an operator can see it.
 * Other failures are retried with a growing delay.
 */
export class EventConsumer {
  private readonly consumer: Consumer;
  private readonly logger: Logger;

  constructor(private readonly options: EventConsumerOptions) {
    this.logger = options.logger.child({ component: options.name });
    const visibility = options.visibilityTimeoutSeconds ?? 30;
    this.consumer = Consumer.create({
      queueUrl: options.queueUrl,
      sqs: options.sqs,
      batchSize: options.batchSize ?? 10,
      waitTimeSeconds: options.waitTimeSeconds ?? 20,
      visibilityTimeout: visibility,
      heartbeatInterval: Math.max(1, Math.floor(visibility / 3)),
      // Only when the whole batch fails (handleBatch itself threw); single failures are delayed below.
      terminateVisibilityTimeout: (messages) => retryDelaySeconds(messages[0]),
      messageSystemAttributeNames: ['ApproximateReceiveCount'],
      messageAttributeNames: ['All'],
      pollingCompleteWaitTimeMs: 10_000,
      strictReturn: true,
      // A batch handler, so what was handled is deleted with one DeleteMessageBatch per receive instead of a
      // DeleteMessage per event (the gateway's feed gets three events per message sent).
      handleMessageBatch: (messages) => this.handleBatch(messages),
    });
    this.consumer.on('error', (err) => this.logger.warn({ err }, 'queue error'));
  }

  /**
   * Handles every message of a receive at once and answers those to delete; each failed one is put back with
   * its own growing delay, as a single message's failure was before batching.
   */
  private async handleBatch(messages: Message[]): Promise<Message[]> {
    const failed: Message[] = [];
    const done = await Promise.all(
      messages.map(async (message) => {
        try {
          return await this.handleMessage(message);
        } catch (err) {
          this.logger.warn(
            { err, messageId: message.MessageId },
            'event handling failed; it will be retried',
          );
          failed.push(message);
          return undefined;
        }
      }),
    );
    if (failed.length > 0) {
      await this.options.sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.options.queueUrl,
            Entries: failed.map((m, i) => ({
              Id: String(i),
              ReceiptHandle: m.ReceiptHandle,
              VisibilityTimeout: retryDelaySeconds(m),
            })),
          }),
        )
        // Not fatal: the message comes back anyway once its visibility timeout runs out.
        .catch((err: unknown) => this.logger.warn({ err }, 'could not delay failed events'));
    }
    return done.filter((m): m is Message => m !== undefined);
  }

  private async handleMessage(message: Message): Promise<Message | undefined> {
    if (this.options.bundles) return this.handleBundle(message);
    const parsed = parseEventJson(message.Body);
    if (!parsed.ok) return this.poisoned(message, `invalid event: ${parsed.reason}`);
    const event = parsed.event;
    try {
      await withRequestContext({ requestId: event.trace_id }, async () => {
        await this.options.handle(event);
        this.logger.debug({ event_id: event.id, type: event.type }, 'event handled');
      });
    } catch (err) {
      const reason = poisonReason(err);
      if (reason === undefined) throw err;
      return this.poisoned(message, reason, event.id);
    }
    return message;
  }

  private async handleBundle(message: Message): Promise<Message | undefined> {
    const parsed = parseEventBundleJson(message.Body);
    if (!parsed.ok) return this.poisoned(message, `invalid bundle: ${parsed.reason}`);
    for (const event of parsed.events) {
      try {
        await withRequestContext({ requestId: event.trace_id }, () => this.options.handle(event));
      } catch (err) {
        const reason = poisonReason(err);
        if (reason === undefined) throw err;
        return this.poisoned(message, reason, event.id);
      }
    }
    return message;
  }

  /** Dead-letters a message with its reason and deletes it here; without a dead-letter queue, leaves it to redrive. */
  private async poisoned(message: Message, reason: string, eventId?: string): Promise<Message> {
    const { deadLetterQueueUrl } = this.options;
    this.logger.error({ messageId: message.MessageId, event_id: eventId, reason }, 'poisoned event');
    if (!deadLetterQueueUrl) throw new Error(reason);
    await this.options.sqs.send(
      new SendMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        MessageBody: message.Body ?? '',
        MessageAttributes: {
          reason: { DataType: 'String', StringValue: reason.slice(0, 1_000) },
          source_queue: { DataType: 'String', StringValue: this.options.queueUrl },
          consumer: { DataType: 'String', StringValue: this.options.name },
        },
      }),
    );
    return message;
  }

  async start(): Promise<void> {
    this.consumer.start();
  }

  /** Stops polling and waits for in-flight messages to finish. */
  async stop(): Promise<void> {
    if (!this.consumer.status.isRunning) return;
    await new Promise<void>((resolve) => {
      this.consumer.once('stopped', () => resolve());
      this.consumer.stop({ abort: true });
    });
  }
}
