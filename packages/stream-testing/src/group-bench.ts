import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { groupConversationItem, groupInboxItem, messageItem, type NewMessage } from '@cruddur/ddb';
import { nextTimestamp } from './fixtures.ts';

export interface BenchGroup {
  group: string;
  /** Creator first, in join order. */
  members: string[];
  title: string;
  /** The group's state key, which every send is conditional on. */
  stateKey: string;
}

/**
 * A group of these members (the first its creator) as its start transaction leaves it (META, the first message,
 * a row per member), written with batch writes: the set-up of a benchmark or test, not what it measures.
 */
export async function writeGroup(
  ddb: DynamoDBDocumentClient,
  table: string,
  members: string[],
  title = `group of ${members.length}`,
): Promise<BenchGroup> {
  const group = randomUUID();
  const first: NewMessage = {
    groupUuid: group,
    messageUuid: randomUUID(),
    senderUuid: members[0]!,
    text: 'welcome',
    createdAt: nextTimestamp(),
    members,
    group: { title },
  };
  const firstItem = messageItem(first);
  const items = [
    groupConversationItem({
      groupUuid: group,
      members,
      createdBy: members[0]!,
      title,
      createdAt: first.createdAt,
      firstMessageKey: firstItem.sk,
    }),
    firstItem,
    ...members.map((owner, i) =>
      i === 0
        ? groupInboxItem(owner, first, 0, firstItem.sk, firstItem.sk)
        : groupInboxItem(owner, first, 1, firstItem.sk),
    ),
  ];
  for (let i = 0; i < items.length; i += 25) {
    let pending: Record<string, unknown>[] | undefined = items
      .slice(i, i + 25)
      .map((Item) => ({ PutRequest: { Item } }));
    while (pending && pending.length > 0) {
      const out = await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: pending as never } }));
      pending = out.UnprocessedItems?.[table] as Record<string, unknown>[] | undefined;
    }
  }
  return { group, members, title, stateKey: firstItem.sk };
}

/**
 * The sum of a metric (every label set) on a running service's /metrics. Bounded: a service too busy to answer
 * fails the read instead of holding the caller's wait past its own timeout.
 */
export async function metricTotal(serviceUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${serviceUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  let total = 0;
  for (const m of text.matchAll(
    new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?)$`, 'gm'),
  ))
    total += Number(m[1]);
  return total;
}
