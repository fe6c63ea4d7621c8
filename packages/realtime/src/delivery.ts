import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTopicPublisher, type EventPublisher } from '@cruddur/aws';
import { z } from 'zod';
import { ConnectionRegistry } from './registry.ts';
import { ReplicaDirectory } from './replica-directory.ts';
import { TargetedPublisher, type TargetedSend } from './targeted-publisher.ts';

/**
 * `targeted` (default): a push goes only to the replicas holding a recipient's stream. `broadcast`: every replica's
 * queue is subscribed to the message-events topic and gets every push (the design before; kept for comparison).
 */
export const deliveryModeSetting = z.enum(['targeted', 'broadcast']).default('targeted');
export type DeliveryMode = z.infer<typeof deliveryModeSetting>;

/** Replica look-ups are cached this long by publishers (REPLICA_CACHE_MS). */
export const DEFAULT_REPLICA_CACHE_MS = 2_000;

export interface PushPublisherOptions {
  mode: DeliveryMode;
  sqs: SQSClient;
  sns: SNSClient;
  topicArn: string;
  ddb: DynamoDBDocumentClient;
  connectionTable: string;
  replicaCacheMs?: number;
  /**
   * Targeted only: also publish every event to the topic, for its durable subscribers (the message-events queue);
   * no gateway replica subscribes to it then. The stream consumer does; the gateway's typing and presence do not.
   */
  copyToTopic?: boolean;
  onTargetedSend?: (send: TargetedSend) => void;
}

/** The publisher of everything pushed to users' streams, in either mode; the stream consumer and gateway share it. */
export function createPushPublisher(options: PushPublisherOptions): EventPublisher {
  const topic = createTopicPublisher({ sns: options.sns, topicArn: options.topicArn });
  if (options.mode === 'broadcast') return topic;
  const registry = new ConnectionRegistry({ ddb: options.ddb, table: options.connectionTable });
  const targeted = new TargetedPublisher({
    sqs: options.sqs,
    registry,
    directory: new ReplicaDirectory({
      registry,
      cacheMs: options.replicaCacheMs ?? DEFAULT_REPLICA_CACHE_MS,
    }),
    ...(options.onTargetedSend ? { onSend: options.onTargetedSend } : {}),
  });
  if (!options.copyToTopic) return targeted;
  // Both or neither: a failure of either fails the publish, which the caller retries (copies are dropped by id).
  return {
    publish: async (events) => {
      await Promise.all([targeted.publish(events), topic.publish(events)]);
    },
  };
}
