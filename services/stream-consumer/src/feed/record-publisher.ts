import type { EventPublisher } from '@cruddur/aws';
import { createPushPublisher, type PushPublisherOptions } from '@cruddur/realtime';
import type { LambdaConfig, StreamConsumerConfig } from '../config.ts';
import { FeedPublisher } from './feed-publisher.ts';

type PublishSettings = Pick<
  StreamConsumerConfig & LambdaConfig,
  | 'DDB_MESSAGE_TABLE'
  | 'FEED_RETENTION_HOURS'
  | 'FEED_WRITE_DEADLINE_MS'
  | 'REALTIME_DELIVERY'
  | 'MESSAGE_EVENTS_TOPIC_ARN'
  | 'DDB_CONNECTION_TABLE'
  | 'REPLICA_CACHE_MS'
  | 'MESSAGE_EVENTS_TOPIC_COPY'
>;

/**
 * Where the record handler's events go, wherever it runs (the workers and the Lambda): each is logged in its
 * recipients' change feeds first, then sent by `transport`, by default REALTIME_DELIVERY's publisher (the
 * recipients' replicas and the topic's durable copy, or the topic alone in broadcast).
 */
export function recordEventPublisher(
  config: PublishSettings,
  clients: Pick<PushPublisherOptions, 'ddb' | 'sqs' | 'sns'>,
  transport?: EventPublisher,
): FeedPublisher {
  return new FeedPublisher({
    ddb: clients.ddb,
    table: config.DDB_MESSAGE_TABLE,
    retentionHours: config.FEED_RETENTION_HOURS,
    writeDeadlineMs: config.FEED_WRITE_DEADLINE_MS,
    publisher:
      transport ??
      createPushPublisher({
        mode: config.REALTIME_DELIVERY,
        ...clients,
        topicArn: config.MESSAGE_EVENTS_TOPIC_ARN,
        connectionTable: config.DDB_CONNECTION_TABLE,
        replicaCacheMs: config.REPLICA_CACHE_MS,
        copyToTopic: config.MESSAGE_EVENTS_TOPIC_COPY,
      }),
  });
}
