import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { createEvent } from '@cruddur/contracts';
import { connectionTableDefinition } from '@cruddur/realtime';
import {
  call,
  type E2eSystem,
  type EventStreamClient,
  openEventStream,
  startE2eSystem,
  type TestUser,
} from '@cruddur/system-testing';
import { dynamoClient, sqsClient, testStack, uniqueName } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningGateway } from '../service.ts';

/** Server-Sent Events with two gateway replicas, each with its own queue, pushes routed by the connection registry. */
describe('GET /api/events across gateway replicas', () => {
  const stack = testStack();
  let system: E2eSystem;
  let replicaA: RunningGateway;
  let replicaB: RunningGateway;
  let alice: TestUser;
  let bob: TestUser;
  const streams: EventStreamClient[] = [];

  const connect = async (gateway: RunningGateway, user: TestUser, viaQuery = false) => {
    const stream = viaQuery
      ? await openEventStream(`${gateway.url}/api/events?access_token=${user.accessToken}`)
      : await openEventStream(`${gateway.url}/api/events`, { authorization: `Bearer ${user.accessToken}` });
    streams.push(stream);
    expect(stream.status).toBe(200);
    await vi.waitFor(() => expect(stream.events[0]?.event).toBe('ready'));
    return stream;
  };

  const inboxChange = (owner: TestUser, other: TestUser, text: string) =>
    createEvent(
      'inbox.updated',
      {
        owner_uuid: owner.uuid,
        message_group_uuid: '0d3a8d5e-8f6a-4c1e-9a59-5b4e1f2f0a11',
        other_user_uuid: other.uuid,
        last_message: {
          uuid: crypto.randomUUID(),
          text,
          created_at: new Date().toISOString(),
          sender_uuid: other.uuid,
        },
        unread_count: 1,
      },
      { traceId: 'events-test' },
    );

  beforeAll(async () => {
    system = await startE2eSystem();
    [replicaA, replicaB] = await Promise.all([
      system.startGateway({ GATEWAY_REPLICA_ID: `a${Date.now().toString(36)}` }),
      system.startGateway({ GATEWAY_REPLICA_ID: `b${Date.now().toString(36)}` }),
    ]);
    [alice, bob] = await Promise.all([system.createUser('alice'), system.createUser('bob')]);
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    await system?.stop();
  });

  it('needs a valid token, in the header or as ?access_token=', async () => {
    const none = await call(replicaA.url, '/api/events');
    expect([none.status, none.body]).toEqual([401, { errors: ['unauthorized'] }]);
    const forged = await call(replicaA.url, '/api/events?access_token=a.b.c');
    expect(forged.status).toBe(401);
    const viaQuery = await connect(replicaB, alice, true);
    expect(viaQuery.events[0]?.data).toEqual({ user_uuid: alice.uuid });
    viaQuery.close();
  });

  it("pushes an inbox change to its owner's stream on the replica they use within a second, and to nobody else", async () => {
    const aliceOnA = await connect(replicaA, alice);
    const bobOnA = await connect(replicaA, bob);
    const bobOnB = await connect(replicaB, bob);
    const publisher = system.pushPublisher;

    const forAlice = inboxChange(alice, bob, 'for alice only');
    await publisher.publish([forAlice]);
    await vi.waitFor(() => expect(aliceOnA.events.map((e) => e.id)).toContain(forAlice.id), {
      timeout: 1_000,
      interval: 10,
    });
    expect(aliceOnA.events.at(-1)).toMatchObject({
      event: 'inbox.updated',
      data: { last_message: { message: 'for alice only' }, unread_count: 1 },
    });

    // A later event for bob arrives on both of his streams; by then alice's would have too, had it leaked.
    const forBob = inboxChange(bob, alice, 'for bob');
    await publisher.publish([forBob]);
    await vi.waitFor(() => {
      expect(bobOnA.events.map((e) => e.id)).toContain(forBob.id);
      expect(bobOnB.events.map((e) => e.id)).toContain(forBob.id);
    });
    for (const stream of [bobOnA, bobOnB]) {
      expect(stream.events.map((e) => e.id)).not.toContain(forAlice.id);
    }
    expect(aliceOnA.events.map((e) => e.id)).not.toContain(forBob.id);
  });

  it("shows a message sent through one replica as an inbox change on the recipient's stream on the other", async () => {
    const aliceOnB = await connect(replicaB, alice);
    const carol = await system.createUser('carol');
    const carolOnB = await connect(replicaB, carol);
    const sendKey = crypto.randomUUID();
    await vi.waitFor(
      async () => {
        const sent = await call(replicaA.url, '/api/messages', {
          token: bob.accessToken,
          body: { message: 'real-time hello', handle: 'alice' },
          headers: { 'idempotency-key': sendKey },
        });
        expect(sent.status).toBe(200);
      },
      { timeout: 15_000, interval: 100 },
    );
    await vi.waitFor(
      () =>
        expect(aliceOnB.events).toContainEqual(
          expect.objectContaining({
            event: 'inbox.updated',
            data: expect.objectContaining({
              other_user_uuid: bob.uuid,
              last_message: expect.objectContaining({ message: 'real-time hello', sender_uuid: bob.uuid }),
            }),
          }),
        ),
      { timeout: 5_000, interval: 20 },
    );
    expect(carolOnB.events.map((e) => e.event)).toEqual(['ready']);
  });

  it('tells EventSource to come back when a stream cannot be registered, since a 503 would end it for good', async () => {
    // A replica on a registry table of its own, deleted under it: registering any stream then fails.
    const table = uniqueName('gw-gone');
    const ddb = dynamoClient(stack);
    await ddb.send(new CreateTableCommand(connectionTableDefinition(table)));
    const orphan = await system.startGateway({ DDB_CONNECTION_TABLE: table });
    await ddb.send(new DeleteTableCommand({ TableName: table }));
    ddb.destroy();
    const headers = { authorization: `Bearer ${bob.accessToken}` };

    const eventSource = await fetch(`${orphan.url}/api/events`, {
      headers: { ...headers, accept: 'text/event-stream' },
    });
    expect([eventSource.status, eventSource.headers.get('content-type')]).toEqual([200, 'text/event-stream']);
    // The whole answer: the stream ends here, and EventSource reconnects after `retry`.
    expect(await eventSource.text()).toBe(
      'retry: 2000\nevent: unavailable\ndata: {"errors":["dependency_unavailable"]}\n\n',
    );
    const plain = await call(orphan.url, '/api/events', { token: bob.accessToken });
    expect([plain.status, plain.body, plain.headers.get('retry-after')]).toEqual([
      503,
      { errors: ['dependency_unavailable'] },
      '2',
    ]);
    await orphan.stop();
  });

  it('caps open streams per user with 429', async () => {
    const capped = await system.startGateway({ SSE_MAX_STREAMS_PER_USER: '1' });
    await connect(capped, bob);
    const second = await call(capped.url, '/api/events', { token: bob.accessToken });
    expect([second.status, second.body]).toEqual([429, { errors: ['rate_limited'] }]);
    await connect(capped, alice);
    // What an operator sees on this replica: two streams open, one refused under the route's pattern.
    const metrics = await (await fetch(`${capped.url}/metrics`)).text();
    expect(metrics).toMatch(/^gateway_sse_connections_open\{service="gateway"\} 2$/m);
    expect(metrics).toMatch(
      /^http_requests_total\{method="GET",route="\/api\/events",status_class="4xx",service="gateway"\} 1$/m,
    );
  });

  it('ends its streams and deletes its own queue on stop', async () => {
    const stream = await connect(replicaA, alice);
    const sqs = sqsClient(stack);
    const queueName = `message-events-gw-${replicaA.replicaId}`;
    await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    await replicaA.stop();
    await stream.ended;
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: queueName }))).rejects.toThrow();
    sqs.destroy();
  });
});
