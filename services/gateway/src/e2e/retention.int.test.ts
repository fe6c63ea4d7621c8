import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { call, type E2eSystem, startE2eSystem, type TestUser } from '@cruddur/system-testing';
import { documentClient, testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyTable } from '../../../../scripts/ddb/lib/verify/table.ts';
import type { RunningGateway } from '../service.ts';

/**
 * MESSAGE_RETENTION_DAYS on the real services. DynamoDB Local does not run TTL deletion itself (see the local infra
 * probe), so the test does what DynamoDB's TTL would: it deletes the items whose `expires_at` has passed, by a
 * clock moved past the retention period, and the stream's REMOVE records reach the stream consumer as TTL's would.
 */
describe('gateway end to end: message retention', () => {
  const DAYS = 2;
  const ddb = documentClient(testStack());
  let system: E2eSystem;
  let gateway: RunningGateway;
  let ann: TestUser;
  let bo: TestUser;
  let cy: TestUser;
  const api = (path: string, options: Parameters<typeof call>[2] = {}) => call(gateway.url, path, options);
  const send = (from: TestUser, body: Record<string, unknown>) =>
    api('/api/messages', { token: from.accessToken, body });
  const row = async (user: TestUser, group: string) =>
    ((await api('/api/message_groups', { token: user.accessToken })).body as Record<string, unknown>[]).find(
      (r) => r.uuid === group,
    );
  const messagesOf = async (group: string) => {
    const out = await ddb.send(
      new ScanCommand({
        TableName: system.tableName,
        FilterExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `MSG#${group}` },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []) as {
      pk: string;
      sk: string;
      message?: string;
      expires_at?: number;
      kind?: string;
    }[];
  };
  /** What DynamoDB's TTL does, for the items expired by `nowSeconds`. */
  const expire = async (group: string, nowSeconds: number, only?: (m: { message?: string }) => boolean) => {
    for (const m of await messagesOf(group))
      if (m.expires_at !== undefined && m.expires_at <= nowSeconds && (!only || only(m)))
        await ddb.send(new DeleteCommand({ TableName: system.tableName, Key: { pk: m.pk, sk: m.sk } }));
  };

  beforeAll(async () => {
    system = await startE2eSystem({ messageRetentionDays: DAYS });
    gateway = await system.startGateway();
    [ann, bo, cy] = await Promise.all([
      system.createUser('rt_ann'),
      system.createUser('rt_bo'),
      system.createUser('rt_cy'),
    ]);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('gives every text message its expiry and keeps rows, unread counts and previews right as they expire', async () => {
    const sentAt = Math.floor(Date.now() / 1000);
    const first = await vi.waitFor(
      async () => {
        const res = await send(ann, { message: 'old one', handle: 'rt_bo' });
        if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
        return res.body as { message_group_uuid: string };
      },
      { timeout: 15_000, interval: 100 },
    );
    const direct = first.message_group_uuid;
    for (const text of ['old two', 'old three'])
      expect((await send(ann, { message: text, message_group_uuid: direct })).status).toBe(200);
    const stored = await messagesOf(direct);
    expect(stored).toHaveLength(3);
    for (const m of stored) {
      // The day's length in seconds times the retention, from the send (a second's slack for the clock).
      expect(m.expires_at! - sentAt).toBeGreaterThanOrEqual(DAYS * 86_400 - 1);
      expect(m.expires_at! - sentAt).toBeLessThanOrEqual(DAYS * 86_400 + 5);
    }
    await vi.waitFor(
      async () => expect(await row(bo, direct)).toMatchObject({ message: 'old three', unread_count: 3 }),
      {
        timeout: 20_000,
      },
    );

    // Expire the newest one alone (a TTL sweep can remove items in any order): the preview falls back, the count drops.
    const later = sentAt + DAYS * 86_400 + 60;
    await expire(direct, later, (m) => m.message === 'old three');
    await vi.waitFor(
      async () => expect(await row(bo, direct)).toMatchObject({ message: 'old two', unread_count: 2 }),
      {
        timeout: 20_000,
      },
    );
    // The checker takes a head that expired for what it is: the row keeps its place and shows what is left.
    await vi.waitFor(async () => expect((await verifyTable(ddb, system.tableName)).violations).toEqual([]), {
      timeout: 20_000,
    });
    // Then the rest: nothing is left to show; the conversation stays in the list with no text and no unread.
    await expire(direct, later);
    await vi.waitFor(
      async () => expect(await row(bo, direct)).toMatchObject({ message: '', unread_count: 0 }),
      {
        timeout: 20_000,
      },
    );
    expect((await api(`/api/messages/${direct}`, { token: bo.accessToken })).body).toEqual([]);
    // A new message after that is shown and counted as usual.
    expect((await send(ann, { message: 'fresh', message_group_uuid: direct })).status).toBe(200);
    await vi.waitFor(
      async () => expect(await row(bo, direct)).toMatchObject({ message: 'fresh', unread_count: 1 }),
      {
        timeout: 20_000,
      },
    );
  });

  it('expires group text messages but keeps the system messages that record the membership', async () => {
    const group = await api('/api/message_groups', {
      token: ann.accessToken,
      body: { handles: ['rt_bo', 'rt_cy'], message: 'group text', title: 'Short-lived' },
    });
    expect(group.status).toBe(201);
    const uuid = group.body.uuid as string;
    const renamed = await api(`/api/message_groups/${uuid}`, {
      token: ann.accessToken,
      method: 'PATCH',
      body: { title: 'Renamed' },
    });
    expect(renamed.status).toBe(200);
    const items = await messagesOf(uuid);
    expect(items.filter((m) => m.kind === 'system').every((m) => m.expires_at === undefined)).toBe(true);
    expect(items.filter((m) => m.kind !== 'system').every((m) => m.expires_at !== undefined)).toBe(true);
    await expire(uuid, Math.floor(Date.now() / 1000) + DAYS * 86_400 + 60);
    await vi.waitFor(
      async () => {
        const thread = (await api(`/api/messages/${uuid}`, { token: cy.accessToken })).body as {
          kind: string;
        }[];
        expect(thread.map((m) => m.kind)).toEqual(['system']);
        // cy's row: the rename is all that is left, and it is unread.
        expect(await row(cy, uuid)).toMatchObject({ unread_count: 1 });
      },
      { timeout: 20_000 },
    );
  });
});
