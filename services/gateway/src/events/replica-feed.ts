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
  /** Long-poll wait; shorter only makes stop() quicker in tests. */
  waitTimeSeconds?: number;
}

/**
 * This replica's copy of the message-events topic: a queue of its own (`message-events-gw-<id>`),
 * subscribed with raw delivery, consumed into the SSE hub, and removed on stop. A queue per replica
 * because an SQS message goes to one consumer only, while every replica may hold the streams an event
 * is for. Messages expire after a minute: an inbox change nobody received in time is stale anyway,
 * and a replica that died without stopping leaves a queue that stays small.
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
    const { sqs, sns, topicArn } = this.options;
    const created = await sqs.send(
      new CreateQueueCommand({ QueueName: this.queueName, Attributes: { MessageRetentionPeriod: '60' } }),
    );
    this.queueUrl = created.QueueUrl!;
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
    this.consumer = new EventConsumer({
      name: 'replica-feed',
      sqs,
      queueUrl: this.queueUrl,
      logger: this.logger,
      waitTimeSeconds: this.options.waitTimeSeconds ?? 20,
      visibilityTimeoutSeconds: 30,
      handle: async (event) => this.options.onEvent(event),
    });
    await this.consumer.start();
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
