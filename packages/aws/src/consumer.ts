import { type Message, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { AppError, type EventEnvelope, parseEventJson } from '@cruddur/contracts';
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
  batchSize?: number;
  visibilityTimeoutSeconds?: number;
  waitTimeSeconds?: number;
}

/** Seconds before a failed message is seen again: 1, 2, 4 ... up to 30, by how often it was received. */
function retryDelaySeconds(messages: Message[]): number {
  const received = Number(messages[0]?.Attributes?.ApproximateReceiveCount ?? 1);
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
      terminateVisibilityTimeout: retryDelaySeconds,
      messageSystemAttributeNames: ['ApproximateReceiveCount'],
      messageAttributeNames: ['All'],
      pollingCompleteWaitTimeMs: 10_000,
      handleMessage: (message) => this.handleMessage(message),
    });
    this.consumer.on('error', (err) => this.logger.warn({ err }, 'queue error'));
    this.consumer.on('processing_error', (err) =>
      this.logger.warn({ err }, 'event handling failed; it will be retried'),
    );
  }

  private async handleMessage(message: Message): Promise<Message | undefined> {
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
