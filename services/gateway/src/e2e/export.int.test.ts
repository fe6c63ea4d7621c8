import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { messageItem, messageUuidAt, sortedMembers } from '@cruddur/ddb';
import { call, type E2eSystem, startE2eSystem, type TestUser } from '@cruddur/system-testing';
import { documentClient, testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningGateway } from '../service.ts';

/** GET /api/me/export on the real services: a few thousand messages, streamed page by page as JSON lines. */
describe('gateway end to end: GET /api/me/export', () => {
  // Three of messaging's 500-line pages; every one of them also goes through the stream consumer (rows, feed).
  const HISTORY = 1_500;
  let system: E2eSystem;
  let gateway: RunningGateway;
  let ann: TestUser;
  let bo: TestUser;
  const api = (path: string, options: Parameters<typeof call>[2] = {}) => call(gateway.url, path, options);

  beforeAll(async () => {
    system = await startE2eSystem();
    gateway = await system.startGateway();
    // ex_cy only needs to exist: the groups name them.
    [ann, bo] = await Promise.all([
      system.createUser('ex_ann'),
      system.createUser('ex_bo'),
      system.createUser('ex_cy'),
    ]);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('streams the profile first, then every conversation with the messages the user may read', {
    timeout: 120_000,
  }, async () => {
    const first = await vi.waitFor(
      async () => {
        const res = await api('/api/messages', {
          token: ann.accessToken,
          body: { message: 'first', handle: 'ex_bo' },
        });
        if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
        return res.body as { message_group_uuid: string; created_at: string };
      },
      { timeout: 15_000, interval: 100 },
    );
    const direct = first.message_group_uuid;
    // A long history, written straight to the table (the stream consumer's rows do not matter to an export).
    const ddb = documentClient(testStack());
    const start = Date.parse(first.created_at) + 1;
    const items = Array.from({ length: HISTORY }, (_, i) => {
      const createdAt = new Date(start + i).toISOString();
      return messageItem({
        groupUuid: direct,
        messageUuid: messageUuidAt(createdAt),
        senderUuid: i % 2 ? ann.uuid : bo.uuid,
        text: `history ${i}`,
        createdAt,
        members: sortedMembers(ann.uuid, bo.uuid),
      });
    });
    for (let i = 0; i < items.length; i += 25) {
      let pending: Record<string, unknown[]> | undefined = {
        [system.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
      };
      while (pending && Object.keys(pending).length > 0) {
        const out = await ddb.send(new BatchWriteCommand({ RequestItems: pending as never }));
        pending = out.UnprocessedItems as typeof pending;
      }
    }
    const group = await api('/api/message_groups', {
      token: bo.accessToken,
      body: { handles: ['ex_ann', 'ex_cy'], message: 'a group' },
    });
    expect(group.status).toBe(201);
    // A group ann is not in is not hers to export.
    const other = await api('/api/message_groups', {
      token: bo.accessToken,
      body: { handles: ['ex_cy', 'ex_ann'], message: 'soon without ann' },
    });
    await api(`/api/message_groups/${other.body.uuid}/leave`, { token: ann.accessToken, method: 'POST' });

    const res = await fetch(`${gateway.url}/api/me/export`, {
      headers: { authorization: `Bearer ${ann.accessToken}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    expect(res.headers.get('content-length')).toBeNull();
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let chunks = 0;
    let firstLine: unknown;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      text += decoder.decode(value, { stream: true });
      // The profile line is there before the rest of the export has been read from the table.
      if (firstLine === undefined && text.includes('\n'))
        firstLine = JSON.parse(text.slice(0, text.indexOf('\n')));
    }
    expect(firstLine).toMatchObject({
      type: 'profile',
      uuid: ann.uuid,
      handle: 'ex_ann',
      email: expect.any(String),
    });
    // Page by page: the history came in several writes, not one body built in memory.
    expect(chunks).toBeGreaterThan(2);
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; message_group_uuid?: string; message?: string });
    const conversations = lines.filter((l) => l.type === 'conversation').map((l) => l.message_group_uuid);
    expect(conversations.sort()).toEqual([direct, group.body.uuid].sort());
    const inDirect = lines.filter((l) => l.type === 'message' && l.message_group_uuid === direct);
    expect(inDirect).toHaveLength(HISTORY + 1);
    expect(inDirect[0]?.message).toBe('first');
    expect(inDirect.at(-1)?.message).toBe(`history ${HISTORY - 1}`);
    expect(lines.filter((l) => l.message_group_uuid === other.body.uuid)).toEqual([]);
    expect(lines.some((l) => l.type === 'error')).toBe(false);
    // Nobody else's export: the token decides whose.
    expect((await fetch(`${gateway.url}/api/me/export`)).status).toBe(401);
  });
});
