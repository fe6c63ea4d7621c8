import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { isAwsOutage } from '@cruddur/aws';
import { AppError } from '@cruddur/contracts';
import { feedItemSchema, keys, parseItem } from '@cruddur/ddb';

/** One change of a user's feed as the gateway replays it: its key (the SSE id) and the envelope as published. */
export interface FeedEntry {
  key: string;
  event: unknown;
}

/**
 * The Query for one page of a user's feed after `after`, oldest first. Strongly consistent, so an item the stream
 * consumer wrote before publishing is seen by a reader woken by that publish. Expired items are filtered here:
 * DynamoDB deletes by TTL only eventually (DynamoDB Local never), and an expired change must not be replayed as if
 * the feed still held everything since then.
 */
export function buildReadFeed(
  table: string,
  ownerUuid: string,
  after: string,
  limit: number,
  nowSeconds: number,
): QueryCommandInput {
  return {
    TableName: table,
    KeyConditionExpression: 'pk = :pk AND sk > :after',
    FilterExpression: 'expires_at > :now',
    ExpressionAttributeValues: { ':pk': keys.feedPartition(ownerUuid), ':after': after, ':now': nowSeconds },
    ConsistentRead: true,
    Limit: limit,
  };
}

/** Reads users' change feeds (written by the stream consumer); the gateway replays them to reconnecting clients. */
export class FeedReader {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** A page after `after`; `next` is where the following page starts, undefined once the feed is read to its end. */
  async read(
    ownerUuid: string,
    after: string,
    limit: number,
  ): Promise<{ items: FeedEntry[]; next?: string }> {
    const out = await this.ddb
      .send(
        new QueryCommand(buildReadFeed(this.table, ownerUuid, after, limit, Math.floor(Date.now() / 1000))),
      )
      .catch((err: unknown) => {
        if (isAwsOutage(err)) throw AppError.unavailable(err);
        throw err;
      });
    const items = (out.Items ?? []).map((raw) => {
      const item = parseItem(feedItemSchema, raw);
      return { key: item.sk, event: JSON.parse(item.event) as unknown };
    });
    const next = out.LastEvaluatedKey?.sk;
    return typeof next === 'string' ? { items, next } : { items };
  }
}
