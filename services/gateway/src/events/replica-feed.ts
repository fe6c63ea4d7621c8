import { type SNSClient, SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { EventConsumer } from '@cruddur/aws';
import type { EventEnvelope } from '@cruddur/contracts';
import type { Logger } from '@cruddur/logger';

export interface ReplicaFeedOptions {
  sqs: SQSClient;
  sns: SNSClient;
  topicArn: string;
  replicaId: string;
  logger: Logger;
  onEvent: (event: EventEnvelope) => void;
  /** Broadcast delivery: subscribe the queue to the topic. Targeted: publishers send to the queue directly. */
  subscribe: boolean;
  /** Long-poll wait; shorter only makes stop() quicker in tests. */
  waitTimeSeconds?: number;
}

/**
 * This replica's queue of pushes (`message-events-gw-<id>`), consumed into the SSE hub and removed on stop. A queue
 * per replica because an SQS message goes to one consumer only. In targeted delivery publishers send bundles to
 * it directly (the connection registry names it); in broadcast it is subscribed, raw, to the message-events topic.
 * Messages expire after a minute: a push nobody received in time is stale anyway (the client replays), and a
 * replica that died without stopping leaves a queue that stays small (and that no publisher sends to once its
 * registry entry has expired).
 */
export class ReplicaEventFeed {
  readonly queueName: string;
  private queueUrl: string | undefined;
  private subscriptionArn: string | undefined;
  private consumer: EventConsumer | undefined;
  private readonly logger: Logger;

  constructor(private readonly options: ReplicaFeedOptions) {
    this.queueName = `message-events-gw-${options.replicaId}`;
    this.logger = options.logger.child({ component: 'replica-feed', queue: this.queueName });
  }

  async start(): Promise<void> {
    const { sqs, topicArn } = this.options;
    const created = await sqs.send(
      new CreateQueueCommand({ QueueName: this.queueName, Attributes: { MessageRetentionPeriod: '60' } }),
    );
    this.queueUrl = created.QueueUrl!;
    if (this.options.subscribe) await this.subscribe(topicArn);
    this.consumer = new EventConsumer({
      name: 'replica-feed',
      sqs,
      queueUrl: this.queueUrl,
      logger: this.logger,
      bundles: true,
      waitTimeSeconds: this.options.waitTimeSeconds ?? 20,
      visibilityTimeoutSeconds: 30,
      handle: async (event) => this.options.onEvent(event),
    });
    await this.consumer.start();
    this.logger.info({ subscribed: this.options.subscribe }, 'replica queue consumed');
  }

  /** The queue publishers send to; set once started. */
  get url(): string {
    if (!this.queueUrl) throw new Error('replica queue not started');
    return this.queueUrl;
  }

  private async subscribe(topicArn: string): Promise<void> {
    const { sqs, sns } = this.options;
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const queueArn = attributes.Attributes?.QueueArn;
    if (!queueArn) throw new Error(`queue ${this.queueName} has no ARN`);
    // On AWS the topic may deliver only to queues whose policy allows it.
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: this.queueUrl,
        Attributes: { Policy: JSON.stringify(deliveryPolicy(queueArn, topicArn)) },
      }),
    );
    const subscription = await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: queueArn,
        Attributes: { RawMessageDelivery: 'true' },
        ReturnSubscriptionArn: true,
      }),
    );
    this.subscriptionArn = subscription.SubscriptionArn;
    this.logger.info({ queueArn }, 'subscribed to message events');
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    const { sqs, sns } = this.options;
    if (this.subscriptionArn) {
      await sns
        .send(new UnsubscribeCommand({ SubscriptionArn: this.subscriptionArn }))
        .catch((err) => this.logger.warn({ err }, 'unsubscribe failed'));
    }
    if (this.queueUrl) {
      await sqs
        .send(new DeleteQueueCommand({ QueueUrl: this.queueUrl }))
        .catch((err) => this.logger.warn({ err }, 'queue delete failed'));
    }
    this.queueUrl = undefined;
    this.subscriptionArn = undefined;
  }
}

function deliveryPolicy(queueArn: string, topicArn: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
      },
    ],
  };
}
