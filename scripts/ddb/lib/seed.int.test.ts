import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys, pairItem, parseStoredItem } from '@cruddur/ddb';
import { silentLogger } from '@cruddur/logger';
import { messagingConfigSchema, startMessagingService } from '@cruddur/messaging';
import {
  createTestQueue,
  createTestServiceKeys,
  createTestTable,
  documentClient,
  testStack,
} from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_USERS } from '../../lib/seed-users.ts';
import { MAIN_DIALOGUE } from './dialogue.ts';
import { CursorError, getConversationPage, groupOfPair, listConversationsPage } from './patterns.ts';
import { scanTable } from './scan.ts';
import { planSeed, SeedError, seedConversations, usersServiceResolver } from './seed.ts';
import { startFakeUsersService } from './test-users.ts';

const stack = testStack();
const doc = documentClient(stack);
const handles = SEED_USERS.map((u) => u.handle);
let table: Awaited<ReturnType<typeof createTestTable>>;
let users: Awaited<ReturnType<typeof startFakeUsersService>>;
const firstRun = new Date('2026-11-20T12:00:00.000Z');
const serviceKeys = await createTestServiceKeys();
const opsKey = serviceKeys.ops.privateKey;

beforeAll(async () => {
  [table, users] = await Promise.all([
    createTestTable(stack, 'seed'),
    startFakeUsersService(handles, serviceKeys.publicKeysJson),
  ]);
});
afterAll(async () => {
  await Promise.all([table?.drop(), users?.close()]);
  doc.destroy();
});

const seed = (now: Date) =>
  seedConversations({
    doc,
    table: table.name,
    resolveUser: usersServiceResolver(users.url, opsKey),
    handles,
    now,
  });

async function countItems() {
  let n = 0;
  await scanTable(doc, table.name, { onItem: () => n++ });
  return n;
}

async function newestMessage(group: string) {
  const out = await doc.send(
    new QueryCommand({
      TableName: table.name,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.messagePartition(group) },
      ScanIndexForward: false,
      Limit: 1,
    }),
  );
  return out.Items?.[0];
}

const uuidOf = (handle: string) => users.users.get(handle)!.uuid;

describe('ddb seed', () => {
  it('writes 100+ messages between andrewbrown and bayko over the past day, and the other conversations', async () => {
    const result = await seed(firstRun);
    expect(result.anchor).toBe(firstRun.toISOString());
    expect(result.conversations.map((c) => c.handles.join('+'))).toEqual([
      'andrewbrown+bayko',
      'londo+andrewbrown',
      'altbrown+bayko',
      'londo+altbrown',
    ]);
    expect(result.conversations[0]?.messages).toBeGreaterThanOrEqual(100);
    expect(result.inboxRowsWritten).toBe(8);

    const group = await groupOfPair(doc, table.name, uuidOf('andrewbrown'), uuidOf('bayko'));
    expect(group).toBe(result.conversations[0]?.groupUuid);
    const dayBefore = firstRun.getTime() - 24 * 3600_000;
    let messages = 0;
    await scanTable(doc, table.name, {
      onItem: (item) => {
        if (item.pk !== keys.messagePartition(group!)) return;
        messages++;
        const at = Date.parse(String(item.created_at));
        expect(at).toBeGreaterThanOrEqual(dayBefore);
        expect(at).toBeLessThanOrEqual(firstRun.getTime());
      },
    });
    expect(messages).toBe(MAIN_DIALOGUE.length);
  });

  it('writes only items that parse with their shared item schema', async () => {
    const malformed: string[] = [];
    await scanTable(doc, table.name, {
      onItem: (item) => {
        const parsed = parseStoredItem(item);
        if (!parsed.ok) malformed.push(parsed.error.message);
      },
    });
    expect(malformed).toEqual([]);
  });

  it('makes every inbox row match its conversation’s real last message and the unread rule', async () => {
    for (const plan of planSeed(users.users, firstRun)) {
      const last = await newestMessage(plan.groupUuid);
      const all = (
        await doc.send(
          new QueryCommand({
            TableName: table.name,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': keys.messagePartition(plan.groupUuid) },
          }),
        )
      ).Items!;
      for (const member of plan.between) {
        const row = (
          await doc.send(
            new QueryCommand({
              TableName: table.name,
              KeyConditionExpression: 'pk = :pk AND sk = :sk',
              ExpressionAttributeValues: { ':pk': keys.inboxPartition(member.uuid), ':sk': plan.groupUuid },
            }),
          )
        ).Items?.[0];
        expect(row).toMatchObject({
          last_message_key: last?.sk,
          last_message_text: last?.message,
          last_sender_uuid: last?.sender_uuid,
          unread_count: member.uuid === last?.sender_uuid ? 0 : expect.any(Number),
        });
        // The stream consumer's rule: unread = the other member's messages above last_read_key.
        const unread = all.filter(
          (m) => m.sender_uuid !== member.uuid && (!row?.last_read_key || m.sk > row.last_read_key),
        ).length;
        expect(row?.unread_count).toBe(unread);
      }
    }
  });

  it('is safe to run twice: the same items, the stored anchor, no duplicates', async () => {
    const before = await countItems();
    const again = await seed(new Date(firstRun.getTime() + 3 * 24 * 3600_000));
    expect(again.anchor).toBe(firstRun.toISOString());
    expect(again.inboxRowsWritten).toBe(8);
    expect(await countItems()).toBe(before);
  });

  it('leaves a pair alone that already has a conversation of its own', async () => {
    const other = await createTestTable(stack, 'seed-pair');
    try {
      const a = uuidOf('andrewbrown');
      const b = uuidOf('bayko');
      const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
      await doc.send(
        new PutCommand({
          TableName: other.name,
          Item: pairItem({
            userA: a,
            userB: b,
            groupUuid: 'f00dbabe-0000-4000-8000-000000000000',
            createdAt: '2026-11-25T10:00:00.000Z',
          }),
        }),
      );
      const result = await seedConversations({
        doc,
        table: other.name,
        resolveUser: usersServiceResolver(users.url, opsKey),
        handles,
      });
      expect(result.skipped.map((s) => s.handles.join('+'))).toEqual(['andrewbrown+bayko']);
      expect(result.conversations).toHaveLength(3);
    } finally {
      await other.drop();
    }
  });

  it('fails clearly when the users service is down or a seed user is missing', async () => {
    await expect(
      seedConversations({
        doc,
        table: table.name,
        resolveUser: usersServiceResolver('http://127.0.0.1:9', opsKey),
        handles,
      }),
    ).rejects.toThrow(/users service is not reachable at http:\/\/127.0.0.1:9.*scripts\/db\/seed/);
    await expect(
      seedConversations({
        doc,
        table: table.name,
        resolveUser: usersServiceResolver(users.url, opsKey),
        handles: [...handles, 'nobody'],
      }),
    ).rejects.toThrow(new SeedError('user @nobody is not in the users service; run scripts/db/seed first'));
  });
});

describe('access pattern scripts on the seeded table', () => {
  it('pages through the whole conversation with consumed capacity', async () => {
    const group = (await groupOfPair(doc, table.name, uuidOf('andrewbrown'), uuidOf('bayko')))!;
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await getConversationPage(doc, table.name, { groupUuid: group, limit: 40, cursor });
      expect(page.consumedCapacity).toBeGreaterThan(0);
      seen.unshift(...page.rows.map((r) => r.message));
      if (pages === 0) expect(page.rows[0]?.handle).toMatch(/andrewbrown|bayko/);
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual(MAIN_DIALOGUE.map(([, text]) => text));
    await expect(
      getConversationPage(doc, table.name, { groupUuid: group, limit: 5, cursor: 'garbage!' }),
    ).rejects.toBeInstanceOf(CursorError);
  });

  it('lists conversations newest first, and the service shows them with names', async () => {
    const me = uuidOf('bayko');
    const page = await listConversationsPage(doc, table.name, { userUuid: me, limit: 1 });
    expect(page.rows.map((r) => r.with)).toEqual(['andrewbrown']);
    const next = await listConversationsPage(doc, table.name, {
      userUuid: me,
      limit: 5,
      cursor: page.nextCursor ?? undefined,
    });
    expect(next.rows.map((r) => r.with)).toEqual(['altbrown']);

    const queue = await createTestQueue(stack);
    const service = await startMessagingService(
      messagingConfigSchema.parse({
        PORT: '0',
        DDB_ENDPOINT: stack.dynamodbEndpoint,
        SQS_ENDPOINT: stack.sqsEndpoint,
        DDB_MESSAGE_TABLE: table.name,
        USERS_EVENTS_QUEUE_URL: queue.url,
        USERS_URL: users.url,
        SERVICE_AUTH_PRIVATE_KEY: serviceKeys.privateKeyJson('messaging'),
        SERVICE_AUTH_PUBLIC_KEYS: serviceKeys.publicKeysJson,
      }),
      { logger: silentLogger, usersEventsWaitSeconds: 1 },
    );
    try {
      const res = await fetch(`${service.url}/internal/conversations`, {
        headers: await serviceKeys.asUser('messaging', me),
      });
      const body = (await res.json()) as { items: { other_user: { display_name: string } }[] };
      expect(body.items.map((c) => c.other_user.display_name)).toEqual([
        'andrewbrown (seed)',
        'altbrown (seed)',
      ]);
    } finally {
      await service.stop();
      await queue.drop();
    }
  });
});
