import { randomUUID } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '@cruddur/ddb';
import { documentClient, sqsClient, testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceFixture, startServiceFixture } from '../test/service-fixture.ts';

const stack = testStack();
let f: ServiceFixture;

beforeAll(async () => {
  f = await startServiceFixture(stack);
});
afterAll(async () => {
  await f?.close();
});

async function start(from: string, to: string, message: string, idempotency_key?: string) {
  return f.call('/internal/conversations', {
    as: from,
    body: { recipient_uuid: to, message, ...(idempotency_key ? { idempotency_key } : {}) },
  });
}

const allItems = (pk: string) => f.items(pk);

describe('starting a conversation and messaging in it', () => {
  it('creates one conversation with both inbox rows, then reuses it', async () => {
    const [ann, bob] = await Promise.all([f.addUser('ann'), f.addUser('bob')]);
    const first = await start(ann.uuid, bob.uuid, '  hello bob\r\nhow are you?  ');
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      created: true,
      message: { message: 'hello bob\nhow are you?', sender: { uuid: ann.uuid, handle: 'ann' } },
    });
    const group = first.body.message.message_group_uuid;

    const again = await start(bob.uuid, ann.uuid, 'fine, thanks');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, message: { message_group_uuid: group } });

    const annList = await f.call(`/internal/conversations`, { as: ann.uuid });
    expect(annList.status).toBe(200);
    expect(annList.body.items).toEqual([
      {
        message_group_uuid: group,
        kind: 'direct',
        other_user: { uuid: bob.uuid, handle: 'bob', display_name: 'bob display' },
        title: null,
        member_count: 2,
        members: [
          { uuid: ann.uuid, handle: 'ann', display_name: 'ann display' },
          { uuid: bob.uuid, handle: 'bob', display_name: 'bob display' },
        ],
        // The start wrote the inbox rows; later messages move them only through the stream consumer.
        last_message: {
          uuid: first.body.message.uuid,
          message: 'hello bob\nhow are you?',
          created_at: first.body.message.created_at,
          sender_uuid: ann.uuid,
          sender_handle: 'ann',
        },
        unread_count: 0,
      },
    ]);
    const bobList = await f.call(`/internal/conversations`, { as: bob.uuid });
    expect(bobList.body.items[0]).toMatchObject({ other_user: { handle: 'ann' }, unread_count: 1 });

    const thread = await f.call(`/internal/conversations/${group}/messages`, { as: bob.uuid });
    expect(thread.status).toBe(200);
    expect(thread.body.items.map((m: { message: string }) => m.message)).toEqual([
      'hello bob\nhow are you?',
      'fine, thanks',
    ]);
    expect(thread.body.next_cursor).toBeNull();

    const [message] = await allItems(keys.messagePartition(group));
    expect(message).toMatchObject({ type: 'message', members: [ann.uuid, bob.uuid].sort() });
  });

  it('lets members post, and answers 404 to non-members and unknown groups', async () => {
    const [ann, bob, eve] = await Promise.all([f.addUser('ann2'), f.addUser('bob2'), f.addUser('eve')]);
    const group = (await start(ann.uuid, bob.uuid, 'hi')).body.message.message_group_uuid;

    const posted = await f.call(`/internal/conversations/${group}/messages`, {
      as: bob.uuid,
      body: { message: 'hi back' },
    });
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({
      message_group_uuid: group,
      message: 'hi back',
      sender: { handle: 'bob2' },
    });

    const intruder = await f.call(`/internal/conversations/${group}/messages`, {
      as: eve.uuid,
      body: { message: 'let me in' },
    });
    expect([intruder.status, intruder.body]).toEqual([404, { errors: ['message_group_not_found'] }]);
    const peek = await f.call(`/internal/conversations/${group}/messages`, { as: eve.uuid });
    expect([peek.status, peek.body]).toEqual([404, { errors: ['message_group_not_found'] }]);
    const nowhere = await f.call(`/internal/conversations/${randomUUID()}/messages`, {
      as: ann.uuid,
      body: { message: 'anyone?' },
    });
    expect(nowhere.status).toBe(404);
    expect(await allItems(keys.messagePartition(group))).toHaveLength(2);
  });

  it('marks only the caller’s own row read', async () => {
    const [ann, bob, eve] = await Promise.all([f.addUser('ann3'), f.addUser('bob3'), f.addUser('eve3')]);
    const group = (await start(ann.uuid, bob.uuid, 'unread for bob')).body.message.message_group_uuid;
    const read = await f.call(`/internal/conversations/${group}/read`, { as: bob.uuid, method: 'POST' });
    expect([read.status, read.body]).toEqual([200, { message_group_uuid: group, unread_count: 0 }]);
    const [row] = await allItems(keys.inboxPartition(bob.uuid));
    expect(row).toMatchObject({ unread_count: 0, last_read_key: row?.last_message_key });
    const notMine = await f.call(`/internal/conversations/${group}/read`, { as: eve.uuid, method: 'POST' });
    expect([notMine.status, notMine.body]).toEqual([404, { errors: ['message_group_not_found'] }]);
    expect(await allItems(keys.inboxPartition(eve.uuid))).toEqual([]);
  });
});

describe('pagination', () => {
  it('pages a thread newest page first, each page oldest to newest, with no gaps or repeats', async () => {
    const [ann, bob] = await Promise.all([f.addUser('pager-a'), f.addUser('pager-b')]);
    const group = (await start(ann.uuid, bob.uuid, 'm00')).body.message.message_group_uuid;
    for (let i = 1; i < 45; i++) {
      const from = i % 2 === 0 ? ann : bob;
      const res = await f.call(`/internal/conversations/${group}/messages`, {
        as: from.uuid,
        body: { message: `m${String(i).padStart(2, '0')}` },
      });
      expect(res.status).toBe(201);
    }
    const pages: string[][] = [];
    let before: string | null = '';
    while (before !== null) {
      const res: { status: number; body: { items: { message: string }[]; next_cursor: string | null } } =
        await f.call(
          `/internal/conversations/${group}/messages?limit=20${before ? `&before=${before}` : ''}`,
          { as: ann.uuid },
        );
      expect(res.status).toBe(200);
      pages.push(res.body.items.map((m) => m.message));
      before = res.body.next_cursor;
    }
    expect(pages.map((p) => p.length)).toEqual([20, 20, 5]);
    expect(pages[0]?.[0]).toBe('m25');
    expect(pages[0]?.at(-1)).toBe('m44');
    const all = pages.reverse().flat();
    expect(all).toEqual(Array.from({ length: 45 }, (_, i) => `m${String(i).padStart(2, '0')}`));
  });

  it('lists conversations newest first across pages, with no year filter', async () => {
    const me = await f.addUser('popular');
    const others = await Promise.all(Array.from({ length: 5 }, (_, i) => f.addUser(`friend${i}`)));
    for (const other of others) {
      expect((await start(other.uuid, me.uuid, `from ${other.handle}`)).status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const res: { body: { items: { other_user: { handle: string } }[]; next_cursor: string | null } } =
        await f.call(`/internal/conversations?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { as: me.uuid });
      seen.push(...res.body.items.map((c) => c.other_user.handle));
      cursor = res.body.next_cursor;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(others.map((o) => o.handle).reverse());
  });

  it('rejects a cursor for someone else’s inbox or thread', async () => {
    const [ann, bob] = await Promise.all([f.addUser('cur-a'), f.addUser('cur-b')]);
    const mine = await f.call(`/internal/conversations?limit=1`, { as: ann.uuid });
    expect(mine.status).toBe(200);
    const forged = Buffer.from(JSON.stringify({ pk: `GRP#${bob.uuid}`, sk: 'x' })).toString('base64url');
    const res = await f.call(`/internal/conversations?cursor=${forged}`, { as: ann.uuid });
    expect([res.status, res.body]).toEqual([422, { errors: ['cursor_invalid'] }]);
  });
});

describe('service surface', () => {
  it('serves /openapi.json with every route, and /readyz', async () => {
    const doc = await f.call('/openapi.json');
    expect(Object.keys(doc.body.paths).sort()).toEqual([
      '/internal/conversations',
      '/internal/conversations/{group_uuid}',
      '/internal/conversations/{group_uuid}/leave',
      '/internal/conversations/{group_uuid}/members',
      '/internal/conversations/{group_uuid}/messages',
      '/internal/conversations/{group_uuid}/messages/{message_uuid}',
      '/internal/conversations/{group_uuid}/read',
      '/internal/feed',
      '/internal/groups',
    ]);
    expect((await f.call('/readyz')).status).toBe(200);
    expect((await f.call('/healthz')).status).toBe(200);
  });

  it('serves /metrics: requests by route pattern, and the depth of the users-events dead-letter queue', async () => {
    const [ann, bob] = await Promise.all([f.addUser('metrics_ann'), f.addUser('metrics_bob')]);
    const started = await start(ann.uuid, bob.uuid, 'counted');
    await f.call(`/internal/conversations/${started.body.message.message_group_uuid}/messages`, {
      as: bob.uuid,
    });
    const sqs = sqsClient(stack);
    await sqs.send(new SendMessageCommand({ QueueUrl: f.deadLetters.url, MessageBody: 'poisoned' }));
    sqs.destroy();
    const scrape = async () => (await fetch(`${f.service.url}/metrics`)).text();
    await expect
      .poll(scrape, { timeout: 10_000 })
      .toMatch(/^dead_letter_queue_messages\{queue="users-events-dlq",service="messaging"\} 1$/m);
    const text = await scrape();
    expect(text).toMatch(
      /^http_requests_total\{method="GET",route="\/internal\/conversations\/:group_uuid\/messages",status_class="2xx",service="messaging"\} [1-9]/m,
    );
    expect(text).toMatch(/^process_resident_memory_bytes\{service="messaging"\} /m);
  });

  it('never leaves an orphan item behind a refused write', async () => {
    const ddb = documentClient(stack);
    const items = await ddb.send(new ScanCommand({ TableName: f.table.name, ConsistentRead: true }));
    ddb.destroy();
    const groups = new Set(
      items.Items?.filter((i) => i.type === 'conversation').map((i) => i.message_group_uuid),
    );
    for (const m of items.Items?.filter((i) => i.type === 'message') ?? []) {
      expect(groups.has(m.message_group_uuid)).toBe(true);
    }
  });
});
