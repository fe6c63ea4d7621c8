import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys, messageSortKeyOfUuid, pairItem, parseStoredItem } from '@cruddur/ddb';
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
import { MAIN_DIALOGUE, SEED_GROUPS } from './dialogue.ts';
import {
  CursorError,
  conversationHeadline,
  describeConversation,
  getConversationPage,
  groupOfPair,
  listConversationsPage,
} from './patterns.ts';
import { SeedError, usersServiceResolver } from './resolve-user.ts';
import { scanTable } from './scan.ts';
import { seedConversations } from './seed.ts';
import { planGroups, planSeed } from './seed-plan.ts';
import { startFakeUsersService } from './test-users.ts';
import { verifyTable } from './verify/table.ts';

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
  it('writes 100+ messages between andrewbrown and bayko over the past day, the other conversations and a group', async () => {
    const result = await seed(firstRun);
    expect(result.anchor).toBe(firstRun.toISOString());
    expect(result.conversations.map((c) => c.handles.join('+'))).toEqual([
      'andrewbrown+bayko',
      'londo+andrewbrown',
      'altbrown+bayko',
      'londo+altbrown',
    ]);
    expect(result.conversations[0]?.messages).toBeGreaterThanOrEqual(100);
    expect(result.groups).toEqual([
      {
        groupUuid: expect.any(String),
        title: 'North dock, Saturday 8:00',
        handles: ['andrewbrown', 'bayko', 'londo', 'altbrown'],
        messages: SEED_GROUPS[0]?.lines.length,
      },
    ]);
    expect(result.groups[0]?.messages).toBeGreaterThanOrEqual(24);
    expect(result.inboxRowsWritten).toBe(12);

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

  it('gives every message a deterministic UUIDv7 of its time, so a seeded message can be edited or deleted by uuid', () => {
    const messages = [
      ...planSeed(users.users, firstRun).flatMap((p) => p.items),
      ...planGroups(users.users, firstRun).flatMap((g) => g.messages),
    ].filter((i) => i.type === 'message');
    expect(messages.length).toBeGreaterThan(100);
    for (const m of messages) expect(messageSortKeyOfUuid(m.message_uuid)).toBe(m.sk);
    const again = planSeed(users.users, firstRun).flatMap((p) => p.items);
    expect(again.map((i) => i.sk)).toEqual(
      planSeed(users.users, firstRun)
        .flatMap((p) => p.items)
        .map((i) => i.sk),
    );
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

  it('leaves a table that ddb/verify finds nothing wrong with', async () => {
    const result = await verifyTable(doc, table.name);
    expect(result.violations).toEqual([]);
    expect(result).toMatchObject({ conversations: 5, groups: 1, inboxRows: 12, profiles: 4 });
  });

  it('writes the group as its start, an add and a rename leave it: joins, state and rows by the unread rule', async () => {
    const [plan] = planGroups(users.users, firstRun);
    const all = (
      await doc.send(
        new QueryCommand({
          TableName: table.name,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.messagePartition(plan!.groupUuid) },
          ConsistentRead: true,
        }),
      )
    ).Items!;
    const system = all.filter((m) => m.kind === 'system');
    expect(system.map((m) => [m.system.action, m.message])).toEqual([
      ['added', 'added @altbrown'],
      ['renamed', 'renamed the group to "North dock, Saturday 8:00"'],
    ]);
    const added = system[0]!;
    const alt = uuidOf('altbrown');
    // Before the add, messages go to the three founders only.
    expect(all.filter((m) => m.sk < added.sk).every((m) => !m.members.includes(alt))).toBe(true);
    expect(all.filter((m) => m.sk >= added.sk).every((m) => m.members.length === 4)).toBe(true);
    expect(plan!.conversation).toMatchObject({
      kind: 'group',
      title: 'North dock, Saturday 8:00',
      members: ['andrewbrown', 'bayko', 'londo', 'altbrown'].map(uuidOf),
      state_key: system[1]!.sk,
      joined: { [uuidOf('andrewbrown')]: all[0]!.sk, [alt]: added.sk },
    });
    // Everyone has read up to their own last message; altbrown's count starts at the add.
    const unread = Object.fromEntries(plan!.inbox.map((r) => [r.owner_uuid, r.unread_count]));
    expect(unread).toEqual({
      [uuidOf('andrewbrown')]: 4,
      [uuidOf('bayko')]: 1,
      [uuidOf('londo')]: 0,
      [alt]: 2,
    });
    expect(plan!.inbox.find((r) => r.owner_uuid === alt)).toMatchObject({
      joined_key: added.sk,
      member_count: 4,
      title: 'North dock, Saturday 8:00',
    });
  });

  it('is safe to run twice: the same items, the stored anchor, no duplicates', async () => {
    const before = await countItems();
    const again = await seed(new Date(firstRun.getTime() + 3 * 24 * 3600_000));
    expect(again.anchor).toBe(firstRun.toISOString());
    expect(again.inboxRowsWritten).toBe(12);
    expect(await countItems()).toBe(before);
    expect((await verifyTable(doc, table.name)).violations).toEqual([]);
  });

  it('leaves a pair alone that already has a conversation of its own, and a group changed since seeded', async () => {
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
      // Someone left or renamed it through the app: its state moved on from the seed's.
      const [group] = planGroups(users.users, firstRun);
      await doc.send(
        new PutCommand({
          TableName: other.name,
          Item: { ...group!.conversation, state_key: `${group!.conversation.state_key}-later` },
        }),
      );
      const result = await seedConversations({
        doc,
        table: other.name,
        resolveUser: usersServiceResolver(users.url, opsKey),
        handles,
        now: firstRun,
      });
      expect(result.skipped.map((s) => s.handles.join('+'))).toEqual([
        'andrewbrown+bayko',
        'andrewbrown+bayko+londo+altbrown',
      ]);
      expect(result.conversations).toHaveLength(3);
      expect(result.groups).toEqual([]);
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
    const reactions: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await getConversationPage(doc, table.name, { groupUuid: group, limit: 40, cursor });
      expect(page.consumedCapacity).toBeGreaterThan(0);
      seen.unshift(...page.rows.map((r) => r.message));
      reactions.unshift(...page.rows.map((r) => r.reactions));
      if (pages === 0) expect(page.rows[0]?.handle).toMatch(/andrewbrown|bayko/);
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual(MAIN_DIALOGUE.map(([, text]) => text));
    // The seed's reactions: 👍 on the first message, ❤️ from both on the second.
    expect(reactions.slice(0, 3)).toEqual(['👍 1', '❤️ 2', '']);
    const summary = await describeConversation(doc, table.name, group);
    expect(summary).toMatchObject({ kind: 'direct', title: undefined, member_count: 2 });
    expect(conversationHeadline(summary!)).toMatch(
      /^direct, 2 members: @(andrewbrown|bayko), @(andrewbrown|bayko)$/,
    );
    await expect(
      getConversationPage(doc, table.name, { groupUuid: group, limit: 5, cursor: 'garbage!' }),
    ).rejects.toBeInstanceOf(CursorError);
  });

  it('shows a group: who is in it, and its add and rename as what happened', async () => {
    const [plan] = planGroups(users.users, firstRun);
    const summary = await describeConversation(doc, table.name, plan!.groupUuid);
    expect(conversationHeadline(summary!)).toBe(
      'group "North dock, Saturday 8:00", 4 members: @andrewbrown, @bayko, @londo, @altbrown',
    );
    const page = await getConversationPage(doc, table.name, { groupUuid: plan!.groupUuid, limit: 100 });
    expect(page.rows).toHaveLength(SEED_GROUPS[0]!.lines.length);
    expect(page.rows.filter((r) => r.kind === 'system')).toEqual([
      expect.objectContaining({ handle: 'londo', message: '* added @altbrown' }),
      expect.objectContaining({
        handle: 'bayko',
        message: '* renamed the group to "North dock, Saturday 8:00"',
      }),
    ]);
  });

  it('lists conversations and groups newest first, and the service shows them with names', async () => {
    const me = uuidOf('bayko');
    const page = await listConversationsPage(doc, table.name, { userUuid: me, limit: 1 });
    expect(page.rows.map((r) => r.with)).toEqual(['andrewbrown']);
    expect(page.rows[0]).toMatchObject({ kind: 'direct', member_count: 2 });
    const next = await listConversationsPage(doc, table.name, {
      userUuid: me,
      limit: 5,
      cursor: page.nextCursor ?? undefined,
    });
    expect(next.rows.map((r) => r.with)).toEqual(['altbrown', 'North dock, Saturday 8:00']);
    expect(next.rows[1]).toMatchObject({
      kind: 'group',
      member_count: 4,
      members: ['andrewbrown', 'bayko', 'londo', 'altbrown'],
      unread: 1,
    });

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
      const body = (await res.json()) as {
        items: { other_user: { display_name: string } | null }[];
      };
      expect(body.items.slice(0, 2).map((c) => c.other_user?.display_name)).toEqual([
        'andrewbrown (seed)',
        'altbrown (seed)',
      ]);
      // The group comes last: its last message is older than every direct conversation's.
      expect(body.items).toHaveLength(3);
      expect(body.items[2]).toMatchObject({
        message_group_uuid: planGroups(users.users, firstRun)[0]?.groupUuid,
        kind: 'group',
        other_user: null,
        title: 'North dock, Saturday 8:00',
        member_count: 4,
        unread_count: 1,
      });
    } finally {
      await service.stop();
      await queue.drop();
    }
  });
});
