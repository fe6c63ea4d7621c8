import {
  call,
  type E2eSystem,
  type EventStreamClient,
  type GatewayProcess,
  openEventStream,
  startE2eSystem,
  startGatewayProcess,
  type TestUser,
} from '@cruddur/system-testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningGateway } from '../service.ts';

/**
 * Short heartbeats, so a replica killed with -9 (or stopped) counts as dead within seconds. The TTL leaves room for
 * registry writes that take one to two seconds on a loaded 2-core machine: a replica taken for dead would
 * (rightly) end its streams, which most of these tests do not reconnect.
 */
const FAST = { REPLICA_HEARTBEAT_MS: '300', REPLICA_TTL_MS: '3000', REPLICA_CACHE_MS: '200' };
/** The survivors sweep as often, and allow their own heartbeats 5 s: they share the test's process. */
const SURVIVOR = { ...FAST, REPLICA_TTL_MS: '5000' };

/** Targeted delivery, presence and typing with three gateway replicas in-process and one as a process. */
describe('real-time delivery to the replicas that hold the recipients', () => {
  let system: E2eSystem;
  let replicas: { a: RunningGateway; b: RunningGateway; c: RunningGateway };
  const streams: EventStreamClient[] = [];
  const processes: GatewayProcess[] = [];
  const handles = ['ann', 'ben', 'dee', 'eve', 'fay', 'gus', 'hal', 'ivy', 'jo'] as const;
  const users = {} as Record<(typeof handles)[number], TestUser>;

  const connect = async (gateway: { url: string }, user: TestUser, lastEventId?: string) => {
    const stream = await openEventStream(`${gateway.url}/api/events`, {
      authorization: `Bearer ${user.accessToken}`,
      ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
    });
    streams.push(stream);
    expect(stream.status).toBe(200);
    await vi.waitFor(() => expect(stream.events[0]?.event).toBe('ready'));
    return stream;
  };

  const received = async (gateway: { url: string }) => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    return Number(/^gateway_push_events_received_total\{[^}]*\} (\d+)$/m.exec(text)?.[1] ?? 0);
  };

  /** Starts (or reuses) the direct conversation and returns its uuid. */
  const send = async (via: { url: string }, from: TestUser, to: TestUser, message: string) => {
    const sent = await call(via.url, '/api/messages', {
      token: from.accessToken,
      body: { message, handle: to.handle },
    });
    expect(sent.status).toBe(200);
    return sent.body.message_group_uuid as string;
  };

  /** A replica as its own process, with short heartbeats: one to kill with -9 or stop with SIGSTOP. */
  const processReplica = async (prefix: string) => {
    const replica = await startGatewayProcess(
      { ...system.gatewayEnv, ...FAST },
      `${prefix}${Date.now().toString(36)}`,
    );
    processes.push(replica);
    return replica;
  };

  const pushes = (stream: EventStreamClient, type: string) => stream.events.filter((e) => e.event === type);

  beforeAll(async () => {
    system = await startE2eSystem();
    const [a, b, c] = await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        system.startGateway({ ...SURVIVOR, GATEWAY_REPLICA_ID: `${name}${Date.now().toString(36)}` }),
      ),
    );
    replicas = { a: a!, b: b!, c: c! };
    for (const handle of handles) {
      users[handle] = await system.createUser(handle);
    }
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    for (const p of processes) await p.kill9();
    await system?.stop();
  });

  it('sends a message only to the replicas holding its recipients: the third replica receives nothing of it', async () => {
    const { ann, ben, dee } = users;
    const annOnA = await connect(replicas.a, ann);
    const benOnB = await connect(replicas.b, ben);
    const deeOnC = await connect(replicas.c, dee);

    await send(replicas.a, ann, ben, 'for ben');
    await vi.waitFor(() => expect(pushes(benOnB, 'message.created')).toHaveLength(1), { timeout: 10_000 });
    await vi.waitFor(() => expect(pushes(annOnA, 'message.created')).toHaveLength(1), { timeout: 10_000 });
    // A later message to dee, on C: once it is there, anything of the first that leaked to C would have been too.
    await send(replicas.a, ann, dee, 'for dee');
    await vi.waitFor(() => expect(pushes(deeOnC, 'inbox.updated')).toHaveLength(1), { timeout: 10_000 });
    await vi.waitFor(() => expect(pushes(deeOnC, 'message.created')).toHaveLength(1));

    // Every event C took from its queue was one of dee's; B's were all ben's (no presence: no contacts yet).
    const deeEvents = deeOnC.events.filter((e) => e.event !== 'ready').length;
    const benEvents = benOnB.events.filter((e) => e.event !== 'ready').length;
    expect(await received(replicas.c)).toBe(deeEvents);
    expect(await received(replicas.b)).toBe(benEvents);
    expect(pushes(deeOnC, 'message.created').map((e) => e.data)).toEqual([
      expect.objectContaining({ message: 'for dee' }),
    ]);
  });

  it('tells the other member who is typing within the coalescing rules, and nobody else', async () => {
    const { ann, ben, dee } = users;
    const annOnA = await connect(replicas.a, ann);
    const benOnB = await connect(replicas.b, ben);
    const deeOnC = await connect(replicas.c, dee);
    const withBen = await send(replicas.a, ann, ben, 'typing next');
    const withDee = await send(replicas.a, ann, dee, 'typing next');

    const first = await call(replicas.a.url, `/api/message_groups/${withBen}/typing`, {
      token: ann.accessToken,
      method: 'POST',
    });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ typing: true, pushed: true, until: expect.any(String) });
    await vi.waitFor(() => expect(pushes(benOnB, 'typing')).toHaveLength(1));
    expect(pushes(benOnB, 'typing')[0]?.data).toMatchObject({
      message_group_uuid: withBen,
      user_uuid: ann.uuid,
      typing: true,
      until: first.body.until,
    });

    // A keystroke a moment later is answered with the same indicator and not pushed again.
    const again = await call(replicas.a.url, `/api/message_groups/${withBen}/typing`, {
      token: ann.accessToken,
      body: { typing: true },
    });
    expect(again.body).toEqual({ typing: true, until: first.body.until, pushed: false });

    const stop = await call(replicas.a.url, `/api/message_groups/${withBen}/typing`, {
      token: ann.accessToken,
      body: { typing: false },
    });
    expect(stop.body).toMatchObject({ typing: false, pushed: true });
    await vi.waitFor(() => expect(pushes(benOnB, 'typing').at(-1)?.data).toMatchObject({ typing: false }));

    // An outsider may not, and learns nothing: 404 as for a conversation that does not exist.
    const outsider = await call(replicas.c.url, `/api/message_groups/${withBen}/typing`, {
      token: dee.accessToken,
      method: 'POST',
    });
    expect([outsider.status, outsider.body]).toEqual([404, { errors: ['message_group_not_found'] }]);

    // dee's own conversation's indicator reaches dee; by then ben's would have too, had it leaked.
    await call(replicas.a.url, `/api/message_groups/${withDee}/typing`, {
      token: ann.accessToken,
      method: 'POST',
    });
    await vi.waitFor(() => expect(pushes(deeOnC, 'typing')).toHaveLength(1));
    expect(pushes(deeOnC, 'typing')[0]?.data).toMatchObject({ message_group_uuid: withDee });
    expect(pushes(annOnA, 'typing')).toEqual([]);
    expect(pushes(benOnB, 'typing')).toHaveLength(2);
  });

  it('shows a contact online, then last seen; a hidden user appears neither, to contacts or strangers', async () => {
    const { eve, fay, dee } = users;
    await send(replicas.a, eve, fay, 'hello fay');
    const fayOnB = await connect(replicas.b, fay);
    const eveOnA = await connect(replicas.a, eve);
    const presenceOfEve = async (asker: TestUser) =>
      (await call(replicas.c.url, `/api/presence?user_uuids=${eve.uuid}`, { token: asker.accessToken })).body
        .presence[0];

    await vi.waitFor(() =>
      expect(pushes(fayOnB, 'presence.changed').at(-1)?.data).toMatchObject({
        user_uuid: eve.uuid,
        online: true,
      }),
    );
    expect(await presenceOfEve(fay)).toEqual({ user_uuid: eve.uuid, online: true, last_seen_at: null });
    expect(await presenceOfEve(dee)).toEqual({ user_uuid: eve.uuid, online: false, last_seen_at: null });

    eveOnA.close();
    await vi.waitFor(() =>
      expect(pushes(fayOnB, 'presence.changed').at(-1)?.data).toMatchObject({
        user_uuid: eve.uuid,
        online: false,
        last_seen_at: expect.any(String),
      }),
    );
    const seen = await presenceOfEve(fay);
    expect(seen).toMatchObject({ online: false, last_seen_at: expect.any(String) });

    const hide = await call(replicas.a.url, '/api/presence/settings', {
      token: eve.accessToken,
      method: 'PUT',
      body: { hidden: true },
    });
    expect([hide.status, hide.body]).toEqual([200, { hidden: true }]);
    await connect(replicas.a, eve);
    expect(await presenceOfEve(fay)).toEqual({ user_uuid: eve.uuid, online: false, last_seen_at: null });
    expect((await call(replicas.a.url, '/api/presence/settings', { token: eve.accessToken })).body).toEqual({
      hidden: true,
    });
    const bad = await call(replicas.a.url, '/api/presence?user_uuids=nope', { token: fay.accessToken });
    expect([bad.status, bad.body]).toEqual([422, { errors: ['uuids_invalid'] }]);
  });

  it('drops the users of a replica killed with -9 once its entry expires, telling their contacts once; they reconnect elsewhere, miss nothing, and get pushes there', async () => {
    const { gus, hal } = users;
    const doomed = await processReplica('k');
    await send(replicas.a, hal, gus, 'before the crash');
    const halOnA = await connect(replicas.a, hal);
    const gusOnDoomed = await connect(doomed, gus);
    const presenceOfGus = async () =>
      (await call(replicas.a.url, `/api/presence?user_uuids=${gus.uuid}`, { token: hal.accessToken })).body
        .presence[0];
    await vi.waitFor(async () => expect((await presenceOfGus()).online).toBe(true));

    // The last id of a logged change gus saw (typing and presence ids are not feed positions): here `ready`'s.
    const lastSeenId = gusOnDoomed.events
      .filter((e) => e.event !== 'presence.changed' && e.event !== 'typing')
      .at(-1)?.id;
    expect(lastSeenId).toEqual(expect.any(String));

    await doomed.kill9();
    await gusOnDoomed.ended;
    // Sent while gus has no stream anywhere: only the change log has them.
    for (const n of [1, 2, 3]) await send(replicas.a, hal, gus, `while gus was away ${n}`);
    // No disconnect was written: gus stays named by the dead replica, and shows offline once its entry expires,
    // seen at its last heartbeat.
    await vi.waitFor(
      async () =>
        expect(await presenceOfGus()).toMatchObject({ online: false, last_seen_at: expect.any(String) }),
      {
        timeout: 10_000,
        interval: 200,
      },
    );
    // hal, on a surviving replica, is told: one of the three survivors reaps the dead one and pushes it.
    const gusOffline = () =>
      pushes(halOnA, 'presence.changed')
        .map((e) => e.data as { user_uuid: string; online: boolean; last_seen_at: string | null })
        .filter((d) => d.user_uuid === gus.uuid && !d.online);
    await vi.waitFor(() => expect(gusOffline()).toHaveLength(1), { timeout: 10_000, interval: 200 });
    expect(gusOffline()[0]?.last_seen_at).toEqual(expect.any(String));
    // Seen at the dead replica's last heartbeat, the time a read shows too.
    expect((await presenceOfGus()).last_seen_at).toBe(gusOffline()[0]?.last_seen_at);

    // Reconnects elsewhere with the last id it saw: everything it missed is replayed, then live pushes follow.
    const gusOnB = await connect(replicas.b, gus, lastSeenId);
    await vi.waitFor(
      () =>
        expect(pushes(gusOnB, 'message.created').map((e) => (e.data as { message: string }).message)).toEqual(
          expect.arrayContaining([1, 2, 3].map((n) => `while gus was away ${n}`)),
        ),
      { timeout: 10_000 },
    );
    await vi.waitFor(async () => expect((await presenceOfGus()).online).toBe(true));
    // Back online is pushed too; by then a second reaper's offline push would have arrived: there was none.
    await vi.waitFor(() =>
      expect(pushes(halOnA, 'presence.changed').at(-1)?.data).toMatchObject({
        user_uuid: gus.uuid,
        online: true,
      }),
    );
    expect(gusOffline()).toHaveLength(1);
    await send(replicas.a, hal, gus, 'after the crash');
    await vi.waitFor(
      () =>
        expect(pushes(gusOnB, 'message.created').map((e) => e.data)).toContainEqual(
          expect.objectContaining({ message: 'after the crash' }),
        ),
      { timeout: 10_000 },
    );
    expect(pushes(halOnA, 'message.created').length).toBeGreaterThanOrEqual(1);
  });

  it('ends the streams of a replica that stalled past its entry (reaped meanwhile) when it wakes; they replay what it missed', async () => {
    const { ivy, jo } = users;
    const sleepy = await processReplica('s');
    const ivyOnSleepy = await connect(sleepy, ivy);
    await send(replicas.a, jo, ivy, 'before the stall');
    await vi.waitFor(() => expect(pushes(ivyOnSleepy, 'message.created')).toHaveLength(1), {
      timeout: 10_000,
    });
    const lastSeenId = ivyOnSleepy.events.filter((e) => e.event === 'message.created').at(-1)?.id;
    const presenceOfIvy = async () =>
      (await call(replicas.a.url, `/api/presence?user_uuids=${ivy.uuid}`, { token: jo.accessToken })).body
        .presence[0];

    sleepy.pause();
    // A survivor takes it for dead and reaps it: ivy shows offline, and pushes to ivy are skipped.
    await vi.waitFor(async () => expect((await presenceOfIvy()).online).toBe(false), {
      timeout: 10_000,
      interval: 200,
    });
    await send(replicas.a, jo, ivy, 'during the stall');
    sleepy.resume();

    // Awake, its heartbeat finds the entry gone: its open stream would never get those pushes, so it ends.
    await ivyOnSleepy.ended;
    expect(pushes(ivyOnSleepy, 'message.created')).toHaveLength(1);
    // The same heartbeat made it routable again: ivy reconnects to it, replays, and gets live pushes. Like
    // EventSource, ivy reconnects with the last id it saw whenever a stream ends: on a loaded machine the
    // replica's next heartbeats may lapse too, and each lapse ends the stream again.
    const followed: EventStreamClient[] = [];
    let following = true;
    const reconnecting = (async () => {
      let last = lastSeenId;
      while (following) {
        const stream = await connect(sleepy, ivy, last);
        followed.push(stream);
        await stream.ended;
        last = stream.events.filter((e) => e.event === 'message.created').at(-1)?.id ?? last;
      }
    })();
    const messagesOfIvy = () =>
      followed.flatMap((stream) => pushes(stream, 'message.created').map((e) => e.data));
    await vi.waitFor(
      () => expect(messagesOfIvy()).toContainEqual(expect.objectContaining({ message: 'during the stall' })),
      { timeout: 10_000 },
    );
    await vi.waitFor(async () => expect((await presenceOfIvy()).online).toBe(true));
    await send(replicas.a, jo, ivy, 'after the stall');
    await vi.waitFor(
      () => expect(messagesOfIvy()).toContainEqual(expect.objectContaining({ message: 'after the stall' })),
      { timeout: 10_000 },
    );
    following = false;
    followed.at(-1)?.close();
    await reconnecting;
  });
});
