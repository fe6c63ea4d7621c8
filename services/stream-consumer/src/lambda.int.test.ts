import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { _Record, DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createSnsClient, createStreamsClient, createTopicPublisher } from '@cruddur/aws';
import { keys } from '@cruddur/ddb';
import { silentLogger } from '@cruddur/logger';
import {
  createWorld,
  drainQueue,
  nextTimestamp,
  sendMessage,
  startConversation,
  type TestWorld,
} from '@cruddur/stream-testing';
import { dynamoClient, testStack } from '@cruddur/test-kit';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordHandler } from './inbox/record-handler.ts';
import { createLambdaHandler, handler } from './lambda.ts';
import { DeadLetterSink } from './records/dead-letter.ts';
import { sdkStreamsApi } from './shards/streams-api.ts';

const stack = testStack();
let world: TestWorld;
let streamsClient: DynamoDBStreamsClient;
let streamArn: string;

beforeAll(async () => {
  world = await createWorld(stack);
  streamsClient = createStreamsClient({ region: 'us-east-1', endpoint: stack.dynamodbEndpoint });
  const ddb = dynamoClient(stack);
  streamArn = (await ddb.send(new DescribeTableCommand({ TableName: world.table }))).Table!.LatestStreamArn!;
  ddb.destroy();
});
afterAll(async () => {
  streamsClient.destroy();
  await world.dispose();
});

/** Every record of the table's stream so far, in the shape Lambda's event source mapping delivers. */
async function lambdaRecords(): Promise<DynamoDBRecord[]> {
  const streams = sdkStreamsApi(streamsClient);
  const shard = (await streams.describeStream({ StreamArn: streamArn })).StreamDescription!.Shards![0]!;
  let iterator = (
    await streams.getShardIterator({
      StreamArn: streamArn,
      ShardId: shard.ShardId,
      ShardIteratorType: 'TRIM_HORIZON',
    })
  ).ShardIterator;
  const out: _Record[] = [];
  while (iterator) {
    const page = await streams.getRecords({ ShardIterator: iterator, Limit: 1000 });
    out.push(...(page.Records ?? []));
    if ((page.Records ?? []).length === 0) break;
    iterator = page.NextShardIterator;
  }
  return out.map((r) => ({
    eventID: r.eventID,
    eventName: r.eventName as DynamoDBRecord['eventName'],
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN: streamArn,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(
        new Date(r.dynamodb!.ApproximateCreationDateTime!).getTime() / 1000,
      ),
      Keys: r.dynamodb!.Keys as never,
      NewImage: r.dynamodb!.NewImage as never,
      OldImage: r.dynamodb!.OldImage as never,
      SequenceNumber: r.dynamodb!.SequenceNumber,
      SizeBytes: r.dynamodb!.SizeBytes,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  }));
}

const lastOf = async (owner: string, group: string) =>
  (
    await world.ddb.send(
      new GetCommand({ TableName: world.table, Key: keys.inbox(owner, group), ConsistentRead: true }),
    )
  ).Item;

describe('Lambda handler for DynamoDB stream events', () => {
  it('handles every record of a real batch, dead-letters the poison one and reports no failure', async () => {
    const { conversation: c } = await startConversation(world.ddb, world.table);
    await sendMessage(world.ddb, world.table, c, c.b, 'one');
    const poisonKey = { pk: keys.messagePartition(c.group), sk: `${nextTimestamp()}#bad` };
    await world.ddb.send(
      new PutCommand({ TableName: world.table, Item: { ...poisonKey, type: 'message', members: 7 } }),
    );
    const last = await sendMessage(world.ddb, world.table, c, c.a, 'two');

    const config = world.config();
    Object.assign(process.env, {
      DDB_ENDPOINT: config.DDB_ENDPOINT,
      SQS_ENDPOINT: config.SQS_ENDPOINT,
      SNS_ENDPOINT: config.SNS_ENDPOINT,
      AWS_REGION: 'us-east-1',
      LOG_LEVEL: 'silent',
      DDB_MESSAGE_TABLE: world.table,
      MESSAGE_EVENTS_TOPIC_ARN: world.topicArn,
      // These tests read the events off the topic; targeted delivery has no gateway to send to here.
      REALTIME_DELIVERY: 'broadcast',
      STREAM_DLQ_URL: world.dlqUrl,
    });
    const event: DynamoDBStreamEvent = { Records: await lambdaRecords() };
    expect(event.Records.length).toBeGreaterThanOrEqual(6);
    await expect(handler(event)).resolves.toEqual({ batchItemFailures: [] });

    expect(await lastOf(c.a, c.group)).toMatchObject({
      last_message_uuid: last.message_uuid,
      unread_count: 1,
    });
    expect(await lastOf(c.b, c.group)).toMatchObject({
      last_message_uuid: last.message_uuid,
      unread_count: 2,
    });
    const letters = (await drainQueue(world.sqs, world.dlqUrl)).map((b) => JSON.parse(b));
    expect(letters).toEqual([
      expect.objectContaining({ keys: { pk: { S: poisonKey.pk }, sk: { S: poisonKey.sk } }, attempts: 1 }),
    ]);
    const events = await drainQueue(world.sqs, world.eventsUrl);
    expect(events.filter((b) => b.includes('"message.created"'))).toHaveLength(3);
  });

  it('reports the first retryable failure as a partial batch failure and stops there', async () => {
    const { conversation: c } = await startConversation(world.ddb, world.table);
    const failing = await sendMessage(world.ddb, world.table, c, c.b, 'events down for this one');
    const after = await sendMessage(world.ddb, world.table, c, c.a, 'after it');
    const records = (await lambdaRecords()).filter(
      (r) => r.dynamodb?.Keys?.pk?.S === keys.messagePartition(c.group),
    );
    expect(records).toHaveLength(3);

    const sns = createSnsClient({ region: 'us-east-1', endpoint: stack.sqsEndpoint });
    const real = createTopicPublisher({ sns, topicArn: world.topicArn });
    let outage = true;
    const lambda = createLambdaHandler({
      handler: new RecordHandler({ ddb: world.ddb, table: world.table, logger: silentLogger }),
      deadLetters: new DeadLetterSink({ sqs: world.sqs, queueUrl: world.dlqUrl, workerId: 'lambda' }),
      // The topic is reachable for every message but one: a transient outage as the handler sees it.
      publisher: {
        publish: async (events) => {
          if (outage && JSON.stringify(events).includes(failing.message_uuid))
            throw new Error('SNS unavailable');
          await real.publish(events);
        },
      },
      logger: silentLogger,
    });
    const failedSeq = records[1]!.dynamodb!.SequenceNumber!;
    await expect(lambda({ Records: records })).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: failedSeq }],
    });
    expect((await lastOf(c.b, c.group))?.last_message_uuid).toBe(failing.message_uuid);

    // Lambda retries from the reported record on; the repeat of its inbox update is harmless.
    outage = false;
    await expect(lambda({ Records: records.slice(1) })).resolves.toEqual({ batchItemFailures: [] });
    expect(await lastOf(c.b, c.group)).toMatchObject({
      last_message_uuid: after.message_uuid,
      unread_count: 2,
    });
    expect(await lastOf(c.a, c.group)).toMatchObject({
      last_message_uuid: after.message_uuid,
      unread_count: 1,
    });
    sns.destroy();
  });
});
