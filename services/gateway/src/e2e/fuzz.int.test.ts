import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { errorCodes } from '@cruddur/http';
import {
  call,
  claimsOf,
  type E2eSystem,
  type HostileRequest,
  hostileRequests,
  signAsEmulator,
  signWithStrangerKey,
  startE2eSystem,
  type TestUser,
  unsignedToken,
} from '@cruddur/system-testing';
import { documentClient, testStack } from '@cruddur/test-kit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningGateway } from '../service.ts';

/**
 * The hostile-input run: thousands of random requests (paths, methods, headers, bodies, cursors,
 * tokens) through the gateway, bounded in count and time. It must end with no 5xx, no dropped
 * connection, every 4xx carrying codes of the closed list, the system healthy and the seeded data as it
 * was. HOSTILE_REQUESTS sets the count (10000 for the full run; CI runs fewer), HOSTILE_SEED replays a run.
 */
const REQUESTS = Number(process.env.HOSTILE_REQUESTS ?? 2_500);
const SEED = Number(process.env.HOSTILE_SEED ?? Date.now() % 2 ** 31);
const CONCURRENCY = 16;
const DEADLINE_MS = Math.max(120_000, REQUESTS * 30);
const KNOWN_CODES = new Set<string>(errorCodes);

interface Outcome {
  request: HostileRequest;
  status?: number;
  body?: string;
  dropped?: string;
}

describe('hostile-input run through the gateway', () => {
  const stack = testStack();
  let system: E2eSystem;
  let gateway: RunningGateway;
  let alice: TestUser;
  let bob: TestUser;
  let group: string;
  const ddb = documentClient(stack);

  /** Every item of the seeded users and their conversation, and their profiles at the users service. */
  async function seededState() {
    const pks = new Set([
      `GRP#${alice.uuid}`,
      `GRP#${bob.uuid}`,
      `MSG#${group}`,
      `CONV#${group}`,
      `USER#${alice.uuid}`,
      `USER#${bob.uuid}`,
      `PAIR#${[alice.uuid, bob.uuid].sort().join('#')}`,
    ]);
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await ddb.send(
        new ScanCommand({ TableName: system.tableName, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      items.push(...(page.Items ?? []).filter((i) => pks.has(i.pk as string)));
      start = page.LastEvaluatedKey;
    } while (start);
    items.sort((a, b) => `${a.pk}${a.sk}`.localeCompare(`${b.pk}${b.sk}`));
    const profiles = await Promise.all(
      [alice, bob].map(async (u) => {
        const res = await fetch(`${system.usersUrl}/internal/users/${u.uuid}`, {
          headers: await system.keys.asService('users', 'ops'),
        });
        return res.json();
      }),
    );
    return { items, profiles };
  }

  beforeAll(async () => {
    system = await startE2eSystem();
    gateway = await system.startGateway({
      // Thousands of requests from one address and two users: the limits would answer most of them
      // before they reach anything deeper. The limits have their own tests.
      RATE_LIMIT_BURST: '1000000000',
      RATE_LIMIT_PER_SECOND: '1000000000',
      AUTH_FAILURE_BURST: '1000000000',
      AUTH_FAILURE_PER_SECOND: '1000000000',
    });
    [alice, bob] = await Promise.all([system.createUser('fz_alice'), system.createUser('fz_bob')]);
    await vi.waitFor(
      async () => {
        const first = await call(gateway.url, '/api/messages', {
          token: alice.accessToken,
          body: { message: 'seeded 0', handle: bob.handle },
          headers: { 'idempotency-key': `fz-seed-${alice.uuid}` },
        });
        if (first.status !== 200) throw new Error(`first message: ${first.status}`);
        group = first.body.message_group_uuid;
      },
      { timeout: 15_000, interval: 100 },
    );
    for (let i = 1; i < 6; i++) {
      const from = i % 2 ? bob : alice;
      const sent = await call(gateway.url, '/api/messages', {
        token: from.accessToken,
        body: { message: `seeded ${i}`, message_group_uuid: group },
      });
      expect(sent.status).toBe(200);
    }
    // The stream consumer has moved both inbox rows to the last seeded message.
    await vi.waitFor(
      async () => {
        const list = await call(gateway.url, '/api/message_groups', { token: alice.accessToken });
        if (list.body[0]?.message !== 'seeded 5') throw new Error('inbox not current yet');
      },
      { timeout: 15_000, interval: 100 },
    );
  });
  afterAll(async () => {
    ddb.destroy();
    await system?.stop();
  });

  it(`answers ${REQUESTS} hostile requests with no 5xx and no dropped connection, and changes no seeded data`, {
    timeout: DEADLINE_MS + 60_000,
  }, async () => {
    const [fuzzer, fuzzerTwo, fuzzerThree] = await Promise.all([
      system.createUser('fz_one'),
      system.createUser('fz_two'),
      system.createUser('fz_three'),
    ]);
    // A group of the fuzzers' own, so adds, renames and leaves can succeed (until they have all left).
    const own = await call(gateway.url, '/api/message_groups', {
      token: fuzzer.accessToken,
      body: { handles: [fuzzerTwo.handle, fuzzerThree.handle], message: 'our own group' },
    });
    expect(own.status).toBe(201);
    const claims = claimsOf(alice.accessToken);
    const now = Math.floor(Date.now() / 1000);
    const before = await seededState();
    const ctx = {
      // Only users outside the seeded conversation hold valid tokens, and they may write only to each other.
      validTokens: [fuzzer.accessToken, fuzzerTwo.accessToken, fuzzerThree.accessToken],
      forgedTokens: [
        alice.idToken,
        await signAsEmulator({ ...claims, exp: now - 10 }),
        await signAsEmulator({ ...claims, client_id: 'someone-else' }),
        (await signWithStrangerKey(claims)).token,
        unsignedToken(claims),
        `${alice.accessToken.slice(0, -4)}AAAA`,
      ],
      groups: [group],
      ownGroups: [own.body.uuid],
      writableHandles: [fuzzer.handle, fuzzerTwo.handle, fuzzerThree.handle, 'nobody_here'],
      readableHandles: [alice.handle, bob.handle],
    };
    const requests = fc.sample(hostileRequests(ctx), { numRuns: REQUESTS, seed: SEED });
    const deadline = Date.now() + DEADLINE_MS;
    const outcomes: Outcome[] = [];
    let next = 0;
    const worker = async () => {
      while (next < requests.length && Date.now() < deadline) {
        const request = requests[next++]!;
        try {
          const res = await fetch(`${gateway.url}${request.path}`, {
            method: request.method,
            headers: request.headers,
            ...(request.body !== undefined ? { body: request.body } : {}),
            redirect: 'manual',
            signal: AbortSignal.timeout(10_000),
          });
          // An event stream stays open by design: its status and headers are the answer.
          let body = '';
          if (res.headers.get('content-type')?.startsWith('text/event-stream')) await res.body?.cancel();
          else body = await res.text();
          outcomes.push({ request, status: res.status, body });
        } catch (err) {
          outcomes.push({ request, dropped: String((err as Error).cause ?? err) });
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const describe = (o: Outcome) =>
      `${o.request.method} ${o.request.path.slice(0, 120)} -> ${o.status ?? o.dropped} ${o.body?.slice(0, 120) ?? ''} (seed ${SEED})`;
    expect(outcomes.length, `finished ${outcomes.length} of ${REQUESTS} before the deadline`).toBe(REQUESTS);
    expect(outcomes.filter((o) => o.dropped).map(describe), 'dropped connections').toEqual([]);
    expect(outcomes.filter((o) => (o.status ?? 0) >= 500).map(describe), '5xx answers').toEqual([]);
    // Every refusal is the one error body, with codes from the closed list.
    const unclear = outcomes.filter((o) => {
      if (o.request.method === 'HEAD' || (o.status ?? 0) < 400) return false;
      try {
        const errors = (JSON.parse(o.body ?? '') as { errors?: unknown }).errors;
        return !Array.isArray(errors) || errors.length === 0 || !errors.every((e) => KNOWN_CODES.has(e));
      } catch {
        return true;
      }
    });
    expect(unclear.map(describe), '4xx without a clear error code').toEqual([]);
    const statuses = new Map<number, number>();
    for (const o of outcomes) statuses.set(o.status!, (statuses.get(o.status!) ?? 0) + 1);
    process.stderr.write(
      `hostile run, seed ${SEED}: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`,
    );
    // The run reached past authentication, or it proved little.
    expect((statuses.get(200) ?? 0) + (statuses.get(422) ?? 0) + (statuses.get(404) ?? 0)).toBeGreaterThan(
      REQUESTS / 10,
    );

    const ready = await call(gateway.url, '/readyz');
    expect(ready.status).toBe(200);
    const list = await call(gateway.url, '/api/message_groups', { token: alice.accessToken });
    expect([list.status, list.body.length, list.body[0]?.message]).toEqual([200, 1, 'seeded 5']);
    expect(await seededState()).toEqual(before);
  });
});
