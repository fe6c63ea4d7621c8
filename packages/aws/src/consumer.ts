import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { type EventEnvelope, parseEventJson } from '@cruddur/contracts';
import { type Logger, withRequestContext } from '@cruddur/logger';
import { Consumer } from 'sqs-consumer';

export interface EventConsumerOptions {
  name: string;
  sqs: SQSClient;
  queueUrl: string;
  logger: Logger;
  /** Handles one checked event. Throwing leaves the message on the queue to be retried, and after the
   * queue's maxReceiveCount SQS moves it to the dead-letter queue. Must be idempotent: SQS is at-least-once. */
  handle: (event: EventEnvelope) => Promise<void>;
  batchSize?: number;
  visibilityTimeoutSeconds?: number;
  waitTimeSeconds?: number;
}

/**
 * A long-polling SQS consumer of catalog events (sqs-consumer underneath: batching, visibility
 * heartbeats, graceful stop). A body that is not a valid event is never retried into success, so it is
 * not deleted: the queue's redrive policy dead-letters it, where an operator can see it.
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
    if (!parsed.ok) {
      this.logger.error(
        { messageId: message.MessageId, reason: parsed.reason },
        'invalid event left for the dead-letter queue',
      );
      throw new Error(`invalid event: ${parsed.reason}`);
    }
    const event = parsed.event;
    await withRequestContext({ requestId: event.trace_id }, async () => {
      await this.options.handle(event);
      this.logger.debug({ event_id: event.id, type: event.type }, 'event handled');
    });
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
