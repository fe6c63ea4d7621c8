import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createEvent, type EventEnvelope, parseFeedKey } from '@cruddur/contracts';
import { createTestTable, documentClient, type TestTable, testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedPublisher, type FeedPublisherOptions, FeedWriteError } from './feed-publisher.ts';

/** Logging events in recipients' feeds before publishing, against DynamoDB Local. */
describe('FeedPublisher', () => {
  const stack = testStack();
  const ddb = documentClient(stack);
  let table: TestTable;
  const published: EventEnvelope[][] = [];
  const sink = { publish: async (events: readonly EventEnvelope[]) => void published.push([...events]) };

  beforeAll(async () => {
    table = await createTestTable(stack, 'feed-publisher');
  });
  afterAll(async () => {
    await table?.drop();
    ddb.destroy();
  });

  /** A publisher that fails its first `failures` publishes, as an unreachable topic would, then delivers. */
  const failingFirst = (failures: number) => ({
    publish: async (events: readonly EventEnvelope[]) => {
      if (failures-- > 0) throw new Error('topic unreachable');
      published.push([...events]);
    },
  });
  /** A feed over `publisher` with a deadline no busy test machine reaches, unless a test says otherwise. */
  const feedOver = (publisher: FeedPublisherOptions['publisher'], over: Partial<FeedPublisherOptions> = {}) =>
    new FeedPublisher({
      ddb,
      table: table.name,
      publisher,
      retentionHours: 48,
      writeDeadlineMs: 120_000,
      ...over,
    });
  const feedOf = async (user: string) =>
    (
      await ddb.send(
        new QueryCommand({
          TableName: table.name,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `FEED#${user}` },
          ConsistentRead: true,
        }),
      )
    ).Items ?? [];
  const created = (members: string[], text: string) =>
    createEvent(
      'message.created',
      {
        message_group_uuid: randomUUID(),
        message_uuid: randomUUID(),
        sender_uuid: members[0]!,
        members,
        message: text,
        created_at: new Date().toISOString(),
      },
      { traceId: 'feed-test' },
    );

  it('logs each event once per recipient, members narrowed to the owner, keys ordered by call even when writes overlap', async () => {
    const [ann, bo, cy] = [randomUUID(), randomUUID(), randomUUID()];
    // A deadline no busy test machine reaches: this test is about order, the next one about the deadline.
    const feed = new FeedPublisher({
      ddb,
      table: table.name,
      publisher: sink,
      retentionHours: 48,
      writeDeadlineMs: 120_000,
    });
    const batches = Array.from({ length: 6 }, (_, b) =>
      Array.from({ length: 10 }, (_, i) => created([ann, bo, cy], `m${b * 10 + i}`)),
    );
    await Promise.all(batches.map((batch) => feed.publish(batch)));
    for (const user of [ann, bo, cy]) {
      const items = await feedOf(user);
      const texts = items.map(
        (i) => (JSON.parse(i.event as string) as { payload: { message: string } }).payload.message,
      );
      expect(texts).toEqual(batches.flat().map((e) => e.payload.message));
      const logged = JSON.parse(items[0]!.event as string) as EventEnvelope<'message.created'>;
      expect(logged.payload.members).toEqual([user]);
      expect(logged.feed_key).toBe(items[0]!.sk);
      expect(items[0]!.expires_at).toBeGreaterThan(Date.now() / 1000 + 48 * 3600);
    }
    // Published with the key each recipient's feed has it under.
    const out = published.flat();
    expect(out.every((e) => parseFeedKey(e.feed_key ?? '')?.eventId === e.id)).toBe(true);
  });

  it('sends an event published again (a retried send) with the key it was logged under, logging nothing twice', async () => {
    const [ann, bo] = [randomUUID(), randomUUID()];
    const feed = feedOver(failingFirst(1));
    const events = [created([ann, bo], 'once'), created([ann, bo], 'twice')];
    await expect(feed.publish(events)).rejects.toThrow('topic unreachable');
    await feed.publish([created([ann, bo], 'between')]);
    await feed.publish(events);
    const items = await feedOf(ann);
    expect(
      items.map((i) => (JSON.parse(i.event as string) as { payload: { message: string } }).payload.message),
    ).toEqual(['once', 'twice', 'between']);
    const resent = published.at(-1)!;
    expect(resent.map((e) => e.feed_key)).toEqual(items.slice(0, 2).map((i) => i.sk));
  });

  it('remembers the keys for a minute only: a later retry logs its events again under fresh keys', async () => {
    const ann = randomUUID();
    let clock = Date.now();
    const feed = feedOver(failingFirst(2), { now: () => clock });
    const events = [created([ann], 'retried late')];
    await expect(feed.publish(events)).rejects.toThrow('topic unreachable');
    clock += 30_000;
    await expect(feed.publish(events)).rejects.toThrow('topic unreachable');
    expect(await feedOf(ann)).toHaveLength(1);
    clock += 61_000;
    // The one other publish in between prunes the memory, as any publish does.
    await feed.publish([created([randomUUID()], 'in between')]);
    await feed.publish(events);
    const items = await feedOf(ann);
    expect(items).toHaveLength(2);
    expect(published.at(-1)![0]!.feed_key).toBe(items[1]!.sk);
  });

  it('fails a write that finishes after its deadline, so the caller logs it again under fresh keys', async () => {
    let clock = Date.now();
    const feed = new FeedPublisher({
      ddb,
      table: table.name,
      publisher: sink,
      retentionHours: 48,
      writeDeadlineMs: 5_000,
      // Every reading of the clock is ten seconds later: the write cannot finish in time.
      now: () => (clock += 10_000),
    });
    const before = published.length;
    await expect(feed.publish([created([randomUUID()], 'late')])).rejects.toBeInstanceOf(FeedWriteError);
    expect(published.length).toBe(before);
  });
});
