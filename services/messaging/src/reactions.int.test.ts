import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { messageSortKeyOfUuid } from '@cruddur/ddb';
import { silentLogger } from '@cruddur/logger';
import { callJson, documentClient, testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceFixture, startServiceFixture } from '../test/service-fixture.ts';
import { startMessagingService } from './service.ts';

/** Emoji reactions through the messaging service's internal API, against DynamoDB Local, in 1:1 and group conversations. */
const stack = testStack();
let f: ServiceFixture;

beforeAll(async () => {
  f = await startServiceFixture(stack);
});
afterAll(() => f?.close());

type User = { uuid: string; handle: string; display_name: string };
const member = (u: User) => ({ uuid: u.uuid, handle: u.handle, display_name: u.display_name });
const users = (prefix: string, n: number) =>
  Promise.all(Array.from({ length: n }, (_, i) => f.addUser(`${prefix}${i}`)));

async function direct(from: User, to: User, text = 'hello') {
  const res = await f.call('/internal/conversations', {
    as: from.uuid,
    body: { recipient_uuid: to.uuid, message: text },
  });
  expect(res.status).toBe(201);
  return {
    group: res.body.message.message_group_uuid as string,
    message: res.body.message as { uuid: string },
  };
}
async function group(creator: User, others: User[]) {
  const res = await f.call('/internal/groups', {
    as: creator.uuid,
    body: { members: others.map(member), message: 'first' },
  });
  expect(res.status).toBe(201);
  return {
    group: res.body.group.message_group_uuid as string,
    message: res.body.message as { uuid: string },
  };
}
const reactionPath = (g: string, m: string, emoji: string) =>
  `/internal/conversations/${g}/messages/${m}/reactions/${encodeURIComponent(emoji)}`;
const react = (
  g: string,
  m: string,
  as: User,
  emoji: string,
  method: 'PUT' | 'DELETE' = 'PUT',
  url = f.service.url,
) =>
  f.keys
    .asUser('messaging', as.uuid)
    .then((headers) => callJson(`${url}${reactionPath(g, m, emoji)}`, { method, headers }));
const thread = async (g: string, as: User) =>
  (await f.call(`/internal/conversations/${g}/messages?limit=100`, { as: as.uuid })).body.items as {
    uuid: string;
    reactions: { emoji: string; count: number; me: boolean }[];
  }[];
async function stored(g: string, messageUuid: string) {
  const ddb = documentClient(stack);
  try {
    const out = await ddb.send(
      new GetCommand({
        TableName: f.table.name,
        Key: { pk: `MSG#${g}`, sk: messageSortKeyOfUuid(messageUuid) },
        ConsistentRead: true,
      }),
    );
    return out.Item;
  } finally {
    ddb.destroy();
  }
}

describe('reactions', () => {
  it('count each member once per emoji: adding twice and removing an absent one change nothing', async () => {
    const [ann, bob] = await users('rx', 2);
    const { group: g, message } = await direct(ann!, bob!);
    const first = await react(g, message.uuid, ann!, '👍');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      message_group_uuid: g,
      message_uuid: message.uuid,
      reaction_version: 1,
      reactions: [{ emoji: '👍', count: 1, me: true }],
    });
    expect((await react(g, message.uuid, ann!, '👍')).body.reaction_version).toBe(1);
    await react(g, message.uuid, bob!, '👍');
    await react(g, message.uuid, bob!, '👨‍👩‍👧‍👦');
    expect((await thread(g, bob!))[0]!.reactions).toEqual([
      { emoji: '👍', count: 2, me: true },
      { emoji: '👨‍👩‍👧‍👦', count: 1, me: true },
    ]);
    expect((await thread(g, ann!))[0]!.reactions).toEqual([
      { emoji: '👍', count: 2, me: true },
      { emoji: '👨‍👩‍👧‍👦', count: 1, me: false },
    ]);
    const removed = await react(g, message.uuid, bob!, '👨‍👩‍👧‍👦', 'DELETE');
    expect(removed.body).toMatchObject({
      reaction_version: 4,
      reactions: [{ emoji: '👍', count: 2, me: true }],
    });
    const absent = await react(g, message.uuid, bob!, '🎉', 'DELETE');
    expect([absent.status, absent.body.reaction_version]).toEqual([200, 4]);
    expect(await stored(g, message.uuid)).toMatchObject({
      reactions: { '👍': new Set([ann!.uuid, bob!.uuid]) },
    });
  });

  it('refuses what is not one emoji, more than 20 distinct emoji, and anyone who is not a member', async () => {
    const [ann, bob, eve] = await users('rxbad', 3);
    const { group: g, message } = await direct(ann!, bob!);
    for (const bad of ['a', '👍👍', ':)', '1', ' 👍', 'é'])
      expect((await react(g, message.uuid, ann!, bad)).body, bad).toEqual({ errors: ['emoji_invalid'] });
    expect((await react(g, message.uuid, eve!, '👍')).body).toEqual({ errors: ['message_group_not_found'] });
    expect((await react(g, '0190f0f0-0000-7000-8000-000000000000', ann!, '👍')).body).toEqual({
      errors: ['message_not_found'],
    });
    const emoji = [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙😚🙂🤗'];
    expect(emoji).toHaveLength(20);
    // Both members at once: the limit holds on the item, not on what each request read.
    await Promise.all(emoji.map((e, i) => react(g, message.uuid, i % 2 ? ann! : bob!, e)));
    expect((await react(g, message.uuid, ann!, '🇺🇦')).body).toEqual({ errors: ['too_many_reactions'] });
    // An emoji already there may still be added by another member.
    expect((await react(g, message.uuid, ann!, emoji[0]!)).status).toBe(200);
    expect((await thread(g, ann!))[0]!.reactions).toHaveLength(20);
  });

  it('end at exact counts when 4 members toggle 200 reactions at once on two replicas', async () => {
    const other = await startMessagingService(f.config, { logger: silentLogger, usersEventsWaitSeconds: 1 });
    try {
      const people = await users('rxrace', 4);
      const { group: g, message } = await group(people[0]!, people.slice(1));
      const emoji = ['👍', '❤️', '🎉', '😂', '🇫🇷'];
      // Each member toggles: 50 operations each, adds and removes of the 5 emoji in a fixed pseudo-random order.
      const expected = new Map<string, Set<string>>(emoji.map((e) => [e, new Set()]));
      const plans = people.map((p, who) =>
        Array.from({ length: 50 }, (_, i) => {
          const e = emoji[(i * 7 + who * 3) % emoji.length]!;
          const add = (i + who) % 3 !== 0;
          return { p, e, add };
        }),
      );
      // Each member's own operations run in order (as one client would send them); members run concurrently.
      for (const plan of plans)
        for (const { p, e, add } of plan)
          add ? expected.get(e)!.add(p.uuid) : expected.get(e)!.delete(p.uuid);
      await Promise.all(
        plans.map(async (plan, who) => {
          for (const [i, { p, e, add }] of plan.entries()) {
            const url = (i + who) % 2 ? other.url : f.service.url;
            const res = await react(g, message.uuid, p, e, add ? 'PUT' : 'DELETE', url);
            expect(res.status).toBe(200);
          }
        }),
      );
      const want = [...expected]
        .filter(([, s]) => s.size > 0)
        .map(([e, s]) => [e, s.size])
        .sort();
      const shown = (await thread(g, people[0]!))[0]!.reactions.map((r) => [r.emoji, r.count]).sort();
      expect(shown).toEqual(want);
      const item = await stored(g, message.uuid);
      for (const [e, s] of expected) {
        if (s.size === 0) expect(item?.reactions?.[e]).toBeUndefined();
        else expect(item?.reactions?.[e]).toEqual(s);
      }
    } finally {
      await other.stop();
    }
  });

  it('never stay on a deleted message, however a reaction races the delete', async () => {
    const [ann, bob] = await users('rxdel', 2);
    const { group: g } = await direct(ann!, bob!);
    const outcomes = new Map<number, number>();
    for (let round = 0; round < 20; round++) {
      const sent = await f.call(`/internal/conversations/${g}/messages`, {
        as: ann!.uuid,
        body: { message: `m${round}` },
      });
      const m = sent.body.uuid as string;
      const [r] = await Promise.all([
        react(g, m, bob!, '👍'),
        f.call(`/internal/conversations/${g}/messages/${m}`, { as: ann!.uuid, method: 'DELETE' }),
      ]);
      expect([200, 409]).toContain(r!.status);
      if (r!.status === 409) expect(r!.body).toEqual({ errors: ['message_deleted'] });
      outcomes.set(r!.status, (outcomes.get(r!.status) ?? 0) + 1);
      const item = await stored(g, m);
      expect(item).toMatchObject({ deleted: true });
      expect(item).not.toHaveProperty('reactions');
      expect((await react(g, m, bob!, '🎉')).body).toEqual({ errors: ['message_deleted'] });
      expect((await react(g, m, bob!, '👍', 'DELETE')).body).toEqual({ errors: ['message_deleted'] });
    }
    expect([...outcomes.values()].reduce((a, b) => a + b, 0)).toBe(20);
    const shown = await thread(g, bob!);
    expect(shown.every((m) => m.reactions.length === 0)).toBe(true);
  });

  it('stay when their member leaves a group; a member who left may not react', async () => {
    const [ann, bob, cat] = await users('rxleave', 3);
    const { group: g, message } = await group(ann!, [bob!, cat!]);
    await react(g, message.uuid, cat!, '👋');
    expect(
      (await f.call(`/internal/conversations/${g}/leave`, { as: cat!.uuid, method: 'POST' })).status,
    ).toBe(200);
    expect((await thread(g, ann!))[0]!.reactions).toEqual([{ emoji: '👋', count: 1, me: false }]);
    expect((await react(g, message.uuid, cat!, '👋', 'DELETE')).body).toEqual({
      errors: ['message_group_not_found'],
    });
  });
});
