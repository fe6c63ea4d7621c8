import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { feedKey, parseFeedKey } from '@cruddur/contracts';
import {
  ClientState,
  call,
  type E2eSystem,
  type EventStreamClient,
  openEventStream,
  startE2eSystem,
  type TestUser,
} from '@cruddur/system-testing';
import { documentClient, testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningGateway } from '../service.ts';

/**
 * A client that reconnects misses nothing: the change feed is in the table, so a replica that never saw the client,
 * or one started after the changes, replays them from the client's last event id.
 */
describe('reconnecting with Last-Event-ID across gateway replicas and restarts', () => {
  let system: E2eSystem;
  let replicaA: RunningGateway;
  let replicaB: RunningGateway;
  let ann: TestUser;
  let bo: TestUser;
  let cy: TestUser;
  const streams: EventStreamClient[] = [];
  const ddb = documentClient(testStack());
  const api = (gateway: RunningGateway, path: string, options: Parameters<typeof call>[2] = {}) =>
    call(gateway.url, path, options);

  const connect = async (gateway: RunningGateway, user: TestUser, lastEventId?: string, viaQuery = false) => {
    const query = viaQuery && lastEventId ? `?last_event_id=${encodeURIComponent(lastEventId)}` : '';
    const header: Record<string, string> = !viaQuery && lastEventId ? { 'last-event-id': lastEventId } : {};
    const stream = await openEventStream(`${gateway.url}/api/events${query}`, {
      authorization: `Bearer ${user.accessToken}`,
      ...header,
    });
    streams.push(stream);
    expect(stream.status).toBe(200);
    await vi.waitFor(() => expect(stream.events[0]?.event).toBe('ready'));
    return stream;
  };
  const send = async (gateway: RunningGateway, user: TestUser, groupUuid: string, message: string) => {
    const res = await api(gateway, '/api/messages', {
      token: user.accessToken,
      body: { message_group_uuid: groupUuid, message },
    });
    expect([res.status, res.body.errors]).toEqual([200, undefined]);
    return res.body.uuid as string;
  };
  const change = async (
    gateway: RunningGateway,
    user: TestUser,
    groupUuid: string,
    messageUuid: string,
    text?: string,
  ) => {
    const res = await api(gateway, `/api/message_groups/${groupUuid}/messages/${messageUuid}`, {
      token: user.accessToken,
      method: text === undefined ? 'DELETE' : 'PATCH',
      ...(text === undefined ? {} : { body: { message: text } }),
    });
    expect([res.status, res.body.errors]).toEqual([200, undefined]);
  };
  /** What the API says, shaped as ClientState's views. */
  const serverView = async (gateway: RunningGateway, user: TestUser, groups: string[]) => {
    const list = (await api(gateway, '/api/message_groups?limit=100', { token: user.accessToken })).body as {
      uuid: string;
      message: string;
      unread_count: number;
    }[];
    const inbox = Object.fromEntries(
      list.map((g) => [g.uuid, { message: g.message, unread_count: g.unread_count }]),
    );
    const threads: Record<string, Record<string, { message: string; deleted: boolean }>> = {};
    for (const group of groups) {
      const page = (await api(gateway, `/api/messages/${group}?limit=100`, { token: user.accessToken }))
        .body as {
        uuid: string;
        message: string;
        deleted?: boolean;
      }[];
      threads[group] = Object.fromEntries(
        page.map((m) => [m.uuid, { message: m.message, deleted: m.deleted === true }]),
      );
    }
    return { inbox, threads };
  };
  const clientView = (state: ClientState, groups: string[]) => ({
    inbox: state.inboxView(),
    threads: Object.fromEntries(groups.map((g) => [g, state.threadView(g)])),
  });

  beforeAll(async () => {
    system = await startE2eSystem();
    [replicaA, replicaB] = await Promise.all([
      system.startGateway({ GATEWAY_REPLICA_ID: `fa${Date.now().toString(36)}` }),
      system.startGateway({ GATEWAY_REPLICA_ID: `fb${Date.now().toString(36)}` }),
    ]);
    [ann, bo, cy] = await Promise.all([
      system.createUser('rc_ann'),
      system.createUser('rc_bo'),
      system.createUser('rc_cy'),
    ]);
    await system.waitForProfiles([ann, bo, cy]);
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    ddb.destroy();
    await system?.stop();
  });

  it('replays 50 missed sends, edits and deletes made through both replicas, one restarted, to the other replica', async () => {
    const state = new ClientState();
    const first = await connect(replicaA, ann);
    expect(parseFeedKey(first.events[0]!.id ?? '')).toBeDefined();
    // Two conversations, seen live on replica A.
    const direct = await api(replicaA, '/api/messages', {
      token: bo.accessToken,
      body: { handle: ann.handle, message: 'hi ann' },
    });
    const directGroup = direct.body.message_group_uuid as string;
    const started = await api(replicaB, '/api/message_groups', {
      token: cy.accessToken,
      body: { handles: [ann.handle, bo.handle], message: 'hi both' },
    });
    expect(started.status).toBe(201);
    const group = started.body.uuid as string;
    const groups = [directGroup, group];
    await vi.waitFor(
      () => {
        state.applyAll(first.events.splice(0));
        expect(state.inbox.size).toBe(2);
      },
      { timeout: 15_000, interval: 50 },
    );
    expect(parseFeedKey(state.lastEventId ?? '')).toBeDefined();
    first.close();
    const lastSeen = state.lastEventId!;

    // 50 changes while ann is away: sends by everyone, edits and deletes, alternating between the replicas.
    const replicas = () => [replicaA, replicaB];
    const sent: { group: string; uuid: string; by: TestUser }[] = [];
    const people = [ann, bo, cy];
    for (let i = 0; i < 50; i++) {
      if (i === 25) {
        // A restart in the middle: the replica ann comes back to was started after she left.
        await replicaB.stop();
        replicaB = await system.startGateway({ GATEWAY_REPLICA_ID: `fc${Date.now().toString(36)}` });
      }
      const via = replicas()[i % 2]!;
      const target = i % 3 === 0 ? directGroup : group;
      const by = target === directGroup ? [ann, bo][i % 2]! : people[i % 3]!;
      const mine = sent.filter((s) => s.group === target && s.by === by);
      if (i % 5 === 3 && mine.length > 0) {
        await change(via, by, target, mine.at(-1)!.uuid, `edited ${i}`);
      } else if (i % 7 === 6 && mine.length > 0) {
        const gone = mine.at(-1)!;
        await change(via, by, target, gone.uuid);
        sent.splice(sent.indexOf(gone), 1);
      } else {
        sent.push({ group: target, uuid: await send(via, by, target, `change ${i}`), by });
      }
    }

    // Every change logged before she is back, so what she gets is the replay, not live delivery.
    const lastChange = sent.at(-1)!.uuid;
    await vi.waitFor(
      async () => {
        const { Items = [] } = await ddb.send(
          new QueryCommand({
            TableName: system.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': `FEED#${ann.uuid}` },
            ConsistentRead: true,
          }),
        );
        const logged = Items.map(
          (i) => JSON.parse(i.event as string) as { type: string; payload: { message_uuid?: string } },
        );
        expect(
          logged.some((e) => e.type === 'message.created' && e.payload.message_uuid === lastChange),
        ).toBe(true);
      },
      { timeout: 30_000, interval: 200 },
    );

    // Back on the restarted replica (the one she did not use) with the last id she received.
    const back = await connect(replicaB, ann, lastSeen);
    await vi.waitFor(
      async () => {
        state.applyAll(back.events.splice(0));
        expect(clientView(state, groups)).toEqual(await serverView(replicaA, ann, groups));
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(state.resets).toEqual([]);
  });

  it('tells a client whose last event id is past the retention, or not an id, to reload', async () => {
    const expired = feedKey(Date.now() - 49 * 3_600_000, 0, crypto.randomUUID());
    const old = await connect(replicaA, ann, expired);
    await vi.waitFor(() => expect(old.events[1]?.event).toBe('reset'));
    expect(old.events[1]?.data).toEqual({ reason: 'cursor_expired' });
    // The reset carries a position to resume from once reloaded.
    expect(parseFeedKey(old.events[1]?.id ?? '')).toBeDefined();
    const garbled = await connect(replicaB, ann, 'not-a-cursor', true);
    await vi.waitFor(() => expect(garbled.events[1]?.data).toEqual({ reason: 'cursor_invalid' }));
    old.close();
    garbled.close();
  });

  it('tells a client that missed more than FEED_REPLAY_MAX changes to reload, after replaying that many', async () => {
    const small = await system.startGateway({ FEED_REPLAY_MAX: '5' });
    const { Items = [] } = await ddb.send(
      new QueryCommand({
        TableName: system.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `FEED#${ann.uuid}` },
        ConsistentRead: true,
        Limit: 1,
      }),
    );
    const behind = await connect(small, ann, Items[0]!.sk as string);
    await vi.waitFor(() => expect(behind.events.at(-1)?.event).toBe('reset'));
    expect(behind.events.at(-1)?.data).toEqual({ reason: 'too_many_changes' });
    expect(behind.events.length).toBe(1 + 5 + 1);
    behind.close();
    await small.stop();
  });

  it('replays every change once even when the feed holds a change twice, and a second replay from the same id matches', async () => {
    const key = (
      await ddb.send(
        new QueryCommand({
          TableName: system.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `FEED#${ann.uuid}` },
          ConsistentRead: true,
        }),
      )
    ).Items!;
    expect(key.length).toBeGreaterThan(50);
    const cursor = key[0]!.sk as string;
    // A batch handled twice (a crash before the checkpoint) logs its events again under later keys.
    const copies = key.slice(5, 15);
    for (const item of copies) {
      const again = feedKey(Date.now(), 0, parseFeedKey(item.sk as string)!.eventId);
      await ddb.send(new PutCommand({ TableName: system.tableName, Item: { ...item, sk: again } }));
    }
    const expected = new Set(key.slice(1).map((i) => parseFeedKey(i.sk as string)!.eventId));
    const replays = await Promise.all([connect(replicaA, ann, cursor), connect(replicaB, ann, cursor, true)]);
    for (const replay of replays) {
      await vi.waitFor(
        () => {
          const ids = replay.events.slice(1).map((e) => parseFeedKey(e.id ?? '')?.eventId);
          // Each logged change once, in key order, the cursor's own left out.
          expect(ids.length).toBe(new Set(ids).size);
          expect(new Set(ids)).toEqual(expected);
        },
        { timeout: 15_000, interval: 100 },
      );
      replay.close();
    }
  });
});
