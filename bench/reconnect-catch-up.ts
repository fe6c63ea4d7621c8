import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, keys } from '@cruddur/ddb';
import { signInByHandle } from '../scripts/auth/sign-in.ts';
import { SEED_PASSWORD } from '../scripts/lib/seed-users.ts';
import { startSystem } from '../scripts/lib/system.ts';
import { type Benchmark, chartSamples, figure, percentile } from './lib.ts';

const REGION = 'us-east-1';
const READER = 'andrewbrown';
const WRITER = 'bayko';
/** The gateway's default FEED_REPLAY_OVERLAP_MS: the replay reads this far before the cursor. */
const OVERLAP_MS = 30_000;
const PAGE = 500;

/**
 * Issue 14: a client that was away for 1,000 changes (sends, edits, deletes in its conversation, made through the
 * gateway and logged by the stream consumer) reconnects with its last event id: the time from opening the event
 * stream until the last missed change has arrived, over several reconnects, on the seeded system (four services as
 * processes). Baseline: the raw strongly consistent Query of the same feed items, page by page (what the replay
 * reads, without messaging, the gateway, HTTP and SSE around it).
 */
export const benchmark: Benchmark = {
  id: 'reconnect-catch-up',
  area: 'issue 14: messages that change',
  async run(ctx) {
    const changes = ctx.quick ? 40 : 1_000;
    const reconnects = ctx.quick ? 2 : 10;
    ctx.log('starting the seeded system (stack, four services as processes)');
    const system = await startSystem({
      ports: 'free',
      seed: true,
      serviceEnv: { gateway: { RATE_LIMIT_BURST: '1000000000', RATE_LIMIT_PER_SECOND: '1000000000' } },
    });
    const { env } = system;
    const doc = createDocumentClient({ region: REGION, endpoint: env.DDB_ENDPOINT });
    try {
      const token = (handle: string) =>
        signInByHandle({
          region: env.AWS_REGION ?? REGION,
          endpoint: env.COGNITO_ENDPOINT,
          userPoolId: env.COGNITO_USER_POOL_ID!,
          clientId: env.COGNITO_CLIENT_ID!,
          handle,
          password: SEED_PASSWORD,
        });
      const reader = { authorization: `Bearer ${await token(READER)}` };
      const writer = { authorization: `Bearer ${await token(WRITER)}`, 'content-type': 'application/json' };
      // Every change carries an idempotency key (a delete needs none), so one that timed out on a busy machine is
      // sent again and still counts once.
      const api = async (path: string, init: RequestInit, key?: string) => {
        for (let attempt = 1; ; attempt++) {
          const headers = {
            ...(init.headers as Record<string, string>),
            ...(key ? { 'idempotency-key': key } : {}),
          };
          const res = await fetch(`${system.gatewayUrl}${path}`, { ...init, headers });
          const body = (await res.json()) as Record<string, unknown>;
          if (res.status < 300) return body;
          if (res.status < 500 || attempt === 5)
            throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
          await new Promise((r) => setTimeout(r, 200 * attempt));
        }
      };
      const readerUuid = (
        (await api(`/api/users/@${READER}/short`, { headers: reader })) as {
          uuid: string;
        }
      ).uuid;

      // The client's position before it went away: the id a fresh stream's `ready` carries.
      const { cursor } = await openUntil(system.gatewayUrl, reader, undefined, () => true);
      ctx.log(`${changes} changes while ${READER} is away`);
      const first = await api('/api/messages', {
        method: 'POST',
        headers: writer,
        body: JSON.stringify({ handle: READER, message: 'are you there?' }),
      });
      const group = first.message_group_uuid as string;
      const sends = Math.round(changes * 0.7);
      const sent: string[] = [];
      await inParallel(sends - 1, 4, async (i) => {
        const m = await api(
          '/api/messages',
          {
            method: 'POST',
            headers: writer,
            body: JSON.stringify({
              message_group_uuid: group,
              message: `change ${i}: an ordinary chat line`,
            }),
          },
          `send-${i}`,
        );
        sent[i] = m.uuid as string;
      });
      const edits = Math.round(changes * 0.2);
      const at = (uuid: string) => `/api/message_groups/${group}/messages/${uuid}`;
      await inParallel(edits, 4, (i) =>
        api(at(sent[i]!), {
          method: 'PATCH',
          headers: writer,
          body: JSON.stringify({ message: `edited ${i}` }),
        }),
      );
      const deletes = changes - sends - edits;
      await inParallel(deletes, 4, (i) => api(at(sent[edits + i]!), { method: 'DELETE', headers: writer }));
      const lastDeleted = sent[edits + deletes - 1]!;

      // Until the stream consumer has logged the last change (the delete of the last message deleted).
      const start = position(Date.parse(cursor.slice(0, 24)) - OVERLAP_MS);
      const rawRead = async () => {
        const items: Record<string, unknown>[] = [];
        let after: Record<string, unknown> | undefined;
        do {
          const out = await doc.send(
            new QueryCommand({
              TableName: env.DDB_MESSAGE_TABLE!,
              KeyConditionExpression: 'pk = :pk AND sk > :after',
              FilterExpression: 'expires_at > :now',
              ExpressionAttributeValues: {
                ':pk': keys.feedPartition(readerUuid),
                ':after': start,
                ':now': Math.floor(Date.now() / 1000),
              },
              ConsistentRead: true,
              Limit: PAGE,
              ...(after ? { ExclusiveStartKey: after } : {}),
            }),
          );
          items.push(...(out.Items ?? []));
          after = out.LastEvaluatedKey;
        } while (after);
        return items;
      };
      const deadline = Date.now() + 300_000;
      let logged: Record<string, unknown>[] = [];
      for (;;) {
        logged = await rawRead();
        const done = logged.some((item) => {
          const event = JSON.parse(item.event as string) as {
            type: string;
            payload: { message_uuid?: string };
          };
          return event.type === 'message.deleted' && event.payload.message_uuid === lastDeleted;
        });
        if (done) break;
        if (Date.now() > deadline)
          throw new Error('the stream consumer did not log every change in 5 minutes');
        await new Promise((r) => setTimeout(r, 200));
      }
      // Logged changes settle (the consumer may still be publishing the last inbox events).
      await new Promise((r) => setTimeout(r, 2_000));
      logged = await rawRead();
      const lastKey = logged.at(-1)!.sk as string;
      ctx.log(`${logged.length} logged events to replay; ${reconnects} reconnects, each beside a raw read`);

      const replayMs: number[] = [];
      const rawMs: number[] = [];
      let received = 0;
      for (let r = 0; r < reconnects; r++) {
        let t0 = performance.now();
        const got = await openUntil(system.gatewayUrl, reader, cursor, (ids) => ids.at(-1) === lastKey);
        replayMs.push(performance.now() - t0);
        received = got.count;
        t0 = performance.now();
        await rawRead();
        rawMs.push(performance.now() - t0);
      }
      const params = {
        changes,
        logged_events: logged.length,
        events_received: received,
        reconnects,
        page: PAGE,
      };
      return [50, 99].map((p) =>
        figure({
          name: `reconnect after ${changes} missed changes until the last one has arrived, p${p}`,
          unit: 'ms',
          value: round(percentile(replayMs, p)),
          baseline: {
            name: `raw Query of the same ${logged.length} feed items, p${p}`,
            value: round(percentile(rawMs, p)),
          },
          higherIsBetter: false,
          params,
          ...(p === 50
            ? {
                samples: {
                  label: 'reconnect catch-up',
                  value: chartSamples(replayMs),
                  baseline: chartSamples(rawMs),
                },
              }
            : {}),
        }),
      );
    } finally {
      doc.destroy();
      await system.stop();
    }
  },
};

const round = (v: number) => Math.round(v * 10) / 10;
const position = (ms: number) => `${new Date(ms).toISOString()}#000000#0`;

async function inParallel(count: number, width: number, task: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/**
 * Opens GET /api/events (with a Last-Event-ID when given) and reads until `done` holds for the SSE ids received
 * after `ready`, then closes. Returns the first id (the `ready` position of a fresh stream) and how many came.
 */
async function openUntil(
  gatewayUrl: string,
  headers: Record<string, string>,
  lastEventId: string | undefined,
  done: (ids: string[]) => boolean,
): Promise<{ cursor: string; count: number }> {
  const abort = new AbortController();
  const res = await fetch(`${gatewayUrl}/api/events`, {
    headers: {
      ...headers,
      accept: 'text/event-stream',
      ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
    },
    signal: abort.signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`GET /api/events: ${res.status}`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let cursor = '';
  const ids: string[] = [];
  try {
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) throw new Error('the event stream ended early');
      buffer += decoder.decode(value, { stream: true });
      let boundary = buffer.indexOf('\n\n');
      while (boundary >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const id = /^id: ?(.*)$/m.exec(block)?.[1];
        const event = /^event: ?(.*)$/m.exec(block)?.[1];
        if (event === 'ready') cursor = id ?? '';
        else if (event === 'reset') throw new Error(`reset: ${block}`);
        else if (id !== undefined) ids.push(id);
        boundary = buffer.indexOf('\n\n');
      }
      if ((cursor !== '' || lastEventId) && done(ids)) return { cursor, count: ids.length };
    }
  } finally {
    abort.abort();
  }
}
