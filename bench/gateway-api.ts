import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, keys, messageItem, type NewMessage } from '@cruddur/ddb';
import {
  buildAppendMessage,
  buildBatchGetPositionsAndSettings,
  buildListConversations,
  buildListMessages,
} from '@cruddur/messaging';
import { bearer, createServiceSigner, privateKeyEnv } from '@cruddur/service-auth';
import { buildAdvanceInbox } from '@cruddur/stream-consumer';
import type autocannon from 'autocannon';
import { signInByHandle } from '../scripts/auth/sign-in.ts';
import { opsAuthorization } from '../scripts/lib/ops-credential.ts';
import { SEED_PASSWORD } from '../scripts/lib/seed-users.ts';
import { type RunningSystem, startSystem } from '../scripts/lib/system.ts';
import { cpuReading, cpuSpent, perAnswer, sum } from './lib/cpu.ts';
import {
  autocannonWithLatencies,
  type BenchFigure,
  type Benchmark,
  chartSamples,
  closedLoop,
  figure,
  type OpenLoopResult,
  openLoop,
  percentile,
} from './lib.ts';

const CONNECTIONS = 32;
/**
 * A send's own DynamoDB work, the baseline of its CPU, is measured with this many in flight: DynamoDB Local's
 * transactions on the same few items contend at 32 (each then costs it about 1.4x the CPU it does at 4, measured),
 * which would flatter the service, whose requests reach DynamoDB Local fewer at a time.
 */
const SEND_COST_CONCURRENCY = 4;
/** The consumer's lease here: longer than a raw send phase, through which the consumer is paused (SIGSTOP). */
const RAW_PAUSE_LEASE_MS = 120_000;
const HANDLE = 'andrewbrown';
const TEXT = 'A benchmark message of a typical length, about sixty characters.';
const REGION = 'us-east-1';

/** One side of one round: how many answers, how fast, and the CPU every process spent on them. */
interface Phase {
  answers: number;
  failures: number;
  /** What the failures were (status codes, socket errors, timeouts), for the message when a phase has any. */
  failureKinds?: string;
  seconds: number;
  latenciesMs: number[];
  /** CPU ms per process tree over the phase (for sends: until the stream consumer had applied them all). */
  cpuMs: Record<string, number>;
}

/**
 * `raw`: the call's main DynamoDB request alone (the page's Query, the send's TransactWriteItems); `all`: every
 * DynamoDB request the call makes, raw (a thread page's Query beside its BatchGetItem of read positions and settings;
 * a send's transaction and then the stream consumer's two inbox moves): issue 16's "own DynamoDB work".
 */
type Side = 'gateway' | 'direct' | 'raw' | 'all';
type Endpoint = 'list' | 'thread' | 'send';

/** The processes of the running system, by the name the report gives them. */
function systemProcesses(system: RunningSystem): Record<string, number> {
  const roots: Record<string, number> = {};
  for (const [name, service] of Object.entries(system.services)) {
    if (service?.pid !== undefined) roots[name] = service.pid;
  }
  const { stack } = system;
  for (const [name, dep] of Object.entries({
    'DynamoDB Local': stack.dynamodb,
    PostgreSQL: stack.postgres,
    'SQS/SNS (fauxqs)': stack.sqs,
    'Cognito (cognito-local)': stack.cognito,
  })) {
    if (dep.pid !== undefined) roots[name] = dep.pid;
  }
  return roots;
}

/** Stream records the consumer has done so far (every outcome), from its /metrics. */
async function consumerRecords(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let done = 0;
  for (const m of text.matchAll(/^stream_consumer_records_total(?:\{[^}]*\})? (\d+(?:\.\d+)?)$/gm)) {
    done += Number(m[1]);
  }
  return done;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/**
 * Issue 16 (and issue 6's figures): the three public calls a user makes most, each at 32 connections on the
 * seeded system running as separate processes (`startSystem`, as `scripts/up` runs it, production log level):
 * - `GET /api/message_groups` (a page of conversations), `GET /api/messages/:group` (a page of a thread) and
 *   `POST /api/messages` (a message into one of the caller's conversations);
 * - each through the gateway, from the messaging service directly (with the gateway's assertion), and as the
 *   raw DynamoDB requests the service sends for it from this process (the Query of the page; the
 *   TransactWriteItems of the same items into the same table, with the stream consumer paused so nothing else runs
 *   meanwhile (it applies them after the phase, outside the measurement); and for the send's CPU also that
 *   transaction followed by the stream consumer's two inbox moves, all raw).
 * For every side the CPU time of every process of ours (services and emulators, from /proc) is read before and
 * after, and divided by the answers; a send's phase lasts until the stream consumer has applied all of them,
 * so its inbox work is in the figure. The sides alternate in rounds, each round starting with another side, so drift
 * on a shared machine hits all alike, after warm-up passes that last until DynamoDB Local's JIT has settled.
 * After its rounds, each read also runs open-loop at half the gateway's saturated rate, through the gateway and
 * raw, for a p99 at a load both sides sustain.
 */
export const benchmark: Benchmark = {
  id: 'gateway-api',
  area: 'issue 16: cost per request',
  async run(ctx) {
    const seconds = ctx.quick ? 2 : 10;
    const rounds = ctx.quick ? 1 : 3;
    ctx.log('starting the seeded system (stack, four services as processes)');
    const system = await startSystem({
      ports: 'free',
      seed: true,
      // The per-user limit would otherwise measure itself: one user at full speed is the point here.
      serviceEnv: {
        gateway: { RATE_LIMIT_BURST: '1000000000', RATE_LIMIT_PER_SECOND: '1000000000' },
        // The consumer is paused (SIGSTOP) through each raw send phase (up to 20 s): its lease must outlive that.
        'stream-consumer': { LEASE_DURATION_MS: String(RAW_PAUSE_LEASE_MS) },
      },
    });
    const doc = createDocumentClient({ region: REGION, endpoint: system.env.DDB_ENDPOINT });
    try {
      const { env } = system;
      const table = env.DDB_MESSAGE_TABLE!;
      const roots = systemProcesses(system);
      const token = await signInByHandle({
        region: env.AWS_REGION ?? REGION,
        endpoint: env.COGNITO_ENDPOINT,
        userPoolId: env.COGNITO_USER_POOL_ID!,
        clientId: env.COGNITO_CLIENT_ID!,
        handle: HANDLE,
        password: SEED_PASSWORD,
      });
      const found = await fetch(`${env.USERS_URL}/internal/users/by-handle/${HANDLE}`, {
        headers: await opsAuthorization(env, 'users'),
      });
      const user = (await found.json()) as { uuid: string };
      const auth = { authorization: `Bearer ${token}` };
      // The direct side sends what the gateway sends: its signed assertion of the acting user.
      const gatewayKey = privateKeyEnv.parse(readFileSync(`${env.SERVICE_KEYS_DIR}/gateway.jwk`, 'utf8'));
      const signer = await createServiceSigner({ privateKey: gatewayKey, ttlSeconds: 120 });
      const assertion = async () => bearer(await signer.forUser('messaging', user.uuid));

      const check = await fetch(`${system.gatewayUrl}/api/message_groups`, { headers: auth });
      const groups = (await check.json()) as { uuid: string }[];
      if (check.status !== 200 || groups.length === 0) {
        throw new Error(`gateway answered ${check.status} with ${groups.length} groups; is the seed there?`);
      }
      const others = await Promise.all(
        groups.map(async (g) => {
          const meta = await doc.send(new GetCommand({ TableName: table, Key: keys.conversation(g.uuid) }));
          return meta.Item as Record<string, unknown> & { members: string[]; kind?: string };
        }),
      );
      // The thread read is the user's newest direct conversation: the common case, and the reference's only kind.
      const threadMeta = others.find((m) => m.kind !== 'group');
      if (!threadMeta) throw new Error('the seeded user has no direct conversation');
      const thread = String(threadMeta.message_group_uuid);
      const threadOthers = threadMeta.members.filter((m) => m !== user.uuid);
      // The raw inbox moves go to copies of the members' rows under stand-in owners, so they cost what the consumer's
      // moves cost (conditional updates of existing rows) while the real rows stay for the consumer to move: moved
      // ahead of it, every later record would look late to it and cost a recount of the unread messages.
      const standIn = new Map<string, string>();
      for (const meta of others) {
        for (const member of meta.members) {
          if (!standIn.has(member)) standIn.set(member, randomUUID());
          const row = await doc.send(
            new GetCommand({ TableName: table, Key: keys.inbox(member, String(meta.message_group_uuid)) }),
          );
          if (!row.Item) continue;
          const copy = { ...row.Item, ...keys.inbox(standIn.get(member)!, String(meta.message_group_uuid)) };
          await doc.send(new PutCommand({ TableName: table, Item: copy }));
        }
      }

      let slot = 0;
      const nextGroup = () => groups[slot++ % groups.length]!.uuid;
      const gatewayReq = (endpoint: Endpoint): autocannon.Request =>
        endpoint === 'list'
          ? { method: 'GET', path: '/api/message_groups' }
          : endpoint === 'thread'
            ? { method: 'GET', path: `/api/messages/${thread}` }
            : {
                method: 'POST',
                path: '/api/messages',
                headers: { 'content-type': 'application/json' },
                setupRequest: (r) => ({
                  ...r,
                  body: JSON.stringify({ message: TEXT, message_group_uuid: nextGroup() }),
                }),
              };
      const directReq = (endpoint: Endpoint): autocannon.Request =>
        endpoint === 'list'
          ? { method: 'GET', path: '/internal/conversations?limit=20' }
          : endpoint === 'thread'
            ? { method: 'GET', path: `/internal/conversations/${thread}/messages?limit=20` }
            : {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                setupRequest: (r) => ({
                  ...r,
                  path: `/internal/conversations/${nextGroup()}/messages`,
                  body: JSON.stringify({ message: TEXT }),
                }),
              };
      const rawOp = (endpoint: Endpoint, withAll: boolean) => async () => {
        if (endpoint === 'list') {
          await doc.send(new QueryCommand(buildListConversations(table, user.uuid, 20)));
        } else if (endpoint === 'thread') {
          // The page's Query, and (all) beside it the read positions and settings, as messaging reads them.
          await Promise.all([
            doc.send(new QueryCommand(buildListMessages(table, thread, 20))),
            withAll
              ? doc.send(
                  new BatchGetCommand(
                    buildBatchGetPositionsAndSettings(table, thread, user.uuid, threadOthers),
                  ),
                )
              : undefined,
          ]);
        } else {
          const i = slot++ % groups.length;
          const message: NewMessage = {
            groupUuid: groups[i]!.uuid,
            messageUuid: randomUUID(),
            senderUuid: user.uuid,
            text: TEXT,
            createdAt: new Date().toISOString(),
            members: others[i]!.members,
          };
          await doc.send(
            new TransactWriteCommand(
              buildAppendMessage(table, {
                message,
                relations: { notBlockedBy: message.members.filter((m) => m !== user.uuid), bothWays: true },
              }).input,
            ),
          );
          if (!withAll) return;
          // What the stream consumer then does for it: each member's row moved forward, conditionally.
          const item = messageItem(message);
          await Promise.all(
            item.members.map((owner) =>
              doc
                .send(
                  new UpdateCommand(
                    buildAdvanceInbox({
                      table,
                      owner: standIn.get(owner)!,
                      message: item,
                      unreadIncrement: owner === item.sender_uuid ? 0 : 1,
                    }),
                  ),
                )
                // Two sends into one conversation in the same millisecond: the later row wins, as in the consumer.
                .catch((err: unknown) => {
                  if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
                }),
            ),
          );
        }
      };

      const consumer = system.services['stream-consumer']!;
      const consumerUrl = consumer.url;
      /**
       * Waits until the stream consumer has done `count` more records than `from`. A raw phase's backlog can take a
       * while (the seeded user has few conversations, and each conversation's records are applied in order), so
       * only 30 s without progress fails.
       */
      const consumerCaughtUp = async (from: number, count: number) => {
        let done = 0;
        let progressAt = performance.now();
        while (done < count) {
          const now = (await consumerRecords(consumerUrl)) - from;
          if (now > done) [done, progressAt] = [now, performance.now()];
          else if (performance.now() - progressAt > 30_000)
            throw new Error(`the stream consumer stopped at ${done} of ${count} records for 30 s`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      /** Waits until the consumer has done no record for a second: nothing is left for it. */
      const consumerQuiet = async () => {
        for (let last = -1, now = await consumerRecords(consumerUrl); now !== last; ) {
          await new Promise((r) => setTimeout(r, 1_000));
          [last, now] = [now, await consumerRecords(consumerUrl)];
        }
      };
      /** Caught up, then quiet (the raw moves' own stream records come after the messages'). */
      const consumerIdle = async (from: number, count: number) => {
        await consumerCaughtUp(from, count);
        await consumerQuiet();
      };
      const run = async (endpoint: Endpoint, side: Side, ms: number): Promise<Phase> => {
        const raw = side === 'raw' || side === 'all';
        const recordsBefore = endpoint === 'send' ? await consumerRecords(consumerUrl) : 0;
        // Raw sends write to the service's own table (a twin table cost DynamoDB Local 1.3-1.4x the CPU for the same
        // transactions, measured): the consumer is paused meanwhile, and applies them after the phase, unmeasured.
        const paused = endpoint === 'send' && raw && consumer.pid !== undefined;
        if (paused) process.kill(consumer.pid!, 'SIGSTOP');
        let phase: Phase;
        try {
          phase = await measure(endpoint, side, ms, raw, recordsBefore);
        } finally {
          if (paused) process.kill(consumer.pid!, 'SIGCONT');
        }
        // So the next phase starts with the consumer idle.
        if (paused) await consumerIdle(recordsBefore, phase.answers);
        return phase;
      };
      const measure = async (
        endpoint: Endpoint,
        side: Side,
        ms: number,
        raw: boolean,
        recordsBefore: number,
      ): Promise<Phase> => {
        const before = cpuReading(roots);
        const client = process.cpuUsage();
        let phase: Omit<Phase, 'cpuMs'>;
        if (raw) {
          const r = await closedLoop(rawOp(endpoint, side === 'all'), {
            concurrency: endpoint === 'send' && side === 'all' ? SEND_COST_CONCURRENCY : CONNECTIONS,
            durationMs: ms,
          });
          phase = {
            answers: r.completed,
            failures: r.errors,
            seconds: r.seconds,
            latenciesMs: r.latenciesMs,
          };
        } else {
          const r = await autocannonWithLatencies({
            url: side === 'gateway' ? system.gatewayUrl : env.MESSAGING_URL!,
            headers: side === 'gateway' ? auth : await assertion(),
            connections: CONNECTIONS,
            pipelining: 1,
            duration: ms / 1000,
            requests: [side === 'gateway' ? gatewayReq(endpoint) : directReq(endpoint)],
          });
          const statuses = Object.entries(r.statusCodeStats ?? {})
            .filter(([code]) => !code.startsWith('2'))
            .map(([code, stat]) => `${code}×${(stat as { count: number }).count}`);
          phase = {
            answers: r['2xx'],
            failures: r.non2xx + r.errors + r.timeouts,
            failureKinds: [...statuses, `errors×${r.errors}`, `timeouts×${r.timeouts}`].join(' '),
            seconds: r.duration,
            latenciesMs: r.latenciesMs,
          };
          // The phase's CPU includes the stream consumer's work for every message it accepted.
          if (endpoint === 'send') await consumerCaughtUp(recordsBefore, phase.answers);
        }
        const spent = cpuSpent(before, cpuReading(roots));
        if (!raw) return { ...phase, cpuMs: spent };
        // The raw side is DynamoDB Local and its client, this process; the others' load generator is not ours.
        const used = process.cpuUsage(client);
        return {
          ...phase,
          cpuMs: {
            'DynamoDB Local': spent['DynamoDB Local'] ?? 0,
            'SDK client': (used.user + used.system) / 1000,
          },
        };
      };

      // The seed's stream records first.
      await consumerQuiet();
      ctx.log('idle: 5 s with no traffic');
      const idleBefore = cpuReading(roots);
      await new Promise((r) => setTimeout(r, ctx.quick ? 1_000 : 5_000));
      const idleMs = cpuSpent(idleBefore, cpuReading(roots));
      const idleSeconds = ctx.quick ? 1 : 5;

      const endpoints: Endpoint[] = ['list', 'thread', 'send'];
      const phases: Record<Endpoint, Record<Side, Phase[]>> = {
        list: { gateway: [], direct: [], raw: [], all: [] },
        thread: { gateway: [], direct: [], raw: [], all: [] },
        send: { gateway: [], direct: [], raw: [], all: [] },
      };
      const remeasured: Record<Endpoint, string[]> = { list: [], thread: [], send: [] };
      const sidesOf = (endpoint: Endpoint): Side[] =>
        endpoint === 'list' ? ['gateway', 'direct', 'raw'] : ['gateway', 'direct', 'raw', 'all'];
      // At 32 connections the system is saturated, so a p99 there mostly restates throughput (Little's law: the
      // wait is the connections over the rate). Each read also runs open-loop, right after its rounds, at a rate
      // both sides sustain (half the gateway's saturated rate), where a p99 says what the two hops add to a request.
      const unsaturated: Partial<
        Record<Endpoint, { rate: number; gateway: OpenLoopResult; raw: OpenLoopResult }>
      > = {};
      const runUnsaturated = async (endpoint: Endpoint) => {
        const saturated = phases[endpoint].gateway;
        const rate = Math.max(
          10,
          Math.round(
            saturated.reduce((n, p) => n + p.answers, 0) / saturated.reduce((n, p) => n + p.seconds, 0) / 2,
          ),
        );
        ctx.log(`${endpoint}: ${seconds} s each at ${rate}/s, open loop, through the gateway and raw`);
        const path = gatewayReq(endpoint).path!;
        const throughGateway = async () => {
          const response = await fetch(`${system.gatewayUrl}${path}`, { headers: auth });
          await response.arrayBuffer();
          if (!response.ok) throw new Error(`${path}: ${response.status}`);
        };
        const load = { ratePerSecond: rate, durationMs: seconds * 1000, maxInFlight: CONNECTIONS };
        unsaturated[endpoint] = {
          rate,
          gateway: await openLoop(throughGateway, load),
          raw: await openLoop(rawOp(endpoint, true), load),
        };
      };
      for (const endpoint of endpoints) {
        // DynamoDB Local's JIT warms per code path: its first transactions cost it 17 ms of CPU each, falling to 3-4 ms
        // after about a minute of them, and a page's Query 3.7 ms in its first 10 s, 0.7 ms after 30 s. Measured while
        // it still warms, the side measured first pays for the warming, so every side warms its own requests in
        // passes until DynamoDB Local's CPU per raw call settles (within a tenth of the pass before).
        const warmMs = ctx.quick ? 1_000 : endpoint === 'send' ? 20_000 : 5_000;
        const maxPasses = ctx.quick ? 1 : endpoint === 'send' ? 3 : 8;
        let settled: number | undefined;
        for (let pass = 1; pass <= maxPasses; pass++) {
          ctx.log(`${endpoint}: warming up, pass ${pass}, ${warmMs / 1000} s per side`);
          let rawCost = 0;
          for (const side of sidesOf(endpoint)) {
            const warm = await run(endpoint, side, warmMs);
            if (side === 'raw') rawCost = (warm.cpuMs['DynamoDB Local'] ?? 0) / Math.max(1, warm.answers);
          }
          if (settled !== undefined && Math.abs(rawCost - settled) <= settled / 10) break;
          settled = rawCost;
        }
        for (let round = 0; round < rounds; round++) {
          // Each round starts with another side, so none is always measured right after the same one.
          const sides = sidesOf(endpoint);
          const order = [...sides.slice(round % sides.length), ...sides.slice(0, round % sides.length)];
          ctx.log(`${endpoint} round ${round + 1}/${rounds}: ${seconds} s each of ${order.join(', ')}`);
          for (const side of order) {
            let phase = await run(endpoint, side, seconds * 1000);
            // On two saturated cores a few sends can wait past the gateway's upstream timeout (2-18 answered 504
            // of about 5,000; the cause is not pinned down): that spoils one 10-second measurement, not the run.
            // It is measured again, at most twice, and every discarded measurement is named in the figures.
            for (let again = 0; phase.failures > 0 && again < 2; again++) {
              const what = `${side}: ${phase.failures} (${phase.failureKinds ?? 'raw calls that threw'})`;
              ctx.log(`${endpoint} ${what} failed; measuring that side again`);
              remeasured[endpoint].push(what);
              phase = await run(endpoint, side, seconds * 1000);
            }
            phases[endpoint][side].push(phase);
          }
        }
        if (endpoint !== 'send') await runUnsaturated(endpoint);
      }
      const failed = endpoints.flatMap((e) =>
        sidesOf(e).flatMap((s) =>
          phases[e][s]
            .filter((p) => p.failures > 0)
            .map((p) => `${e} ${s}: ${p.failures} (${p.failureKinds ?? 'raw calls that threw'})`),
        ),
      );
      for (const [e, r] of Object.entries(unsaturated))
        for (const [side, result] of [['gateway', r.gateway] as const, ['raw', r.raw] as const])
          if (result.errors > 0) failed.push(`${e} ${side} at ${r.rate}/s: ${result.errors} failed`);
      if (failed.length > 0) throw new Error(`requests failed, figures would lie: ${failed.join('; ')}`);

      const figures: BenchFigure[] = [];
      const labels: Record<Endpoint, string> = {
        list: 'GET /api/message_groups',
        thread: 'GET /api/messages/:group',
        send: 'POST /api/messages',
      };
      const rawLabels: Record<Endpoint, string> = {
        list: 'raw Query of the page (inbox_by_activity, 21 items)',
        thread: 'raw Query of the page (21 messages)',
        send: 'raw TransactWriteItems of the same items (ConditionCheck + Put)',
      };
      /** Every DynamoDB request the call makes, as labelled in the figures whose baseline they are. */
      const allLabels: Record<Endpoint, string> = {
        list: rawLabels.list,
        thread:
          'raw requests of the page (Query of 21 messages beside a BatchGetItem of the read positions and settings)',
        send: `${rawLabels.send}, then both inbox moves (UpdateItem)`,
      };
      const totals = (list: Phase[]) => {
        const answers = list.reduce((n, p) => n + p.answers, 0);
        const cpu: Record<string, number> = {};
        for (const p of list) for (const [k, v] of Object.entries(p.cpuMs)) cpu[k] = (cpu[k] ?? 0) + v;
        return {
          answers,
          perSecond: answers / list.reduce((n, p) => n + p.seconds, 0),
          cpuPerAnswer: perAnswer(cpu, answers),
          latencies: list.flatMap((p) => p.latenciesMs),
        };
      };
      const breakdown = (per: Record<string, number>) =>
        Object.entries(per)
          .filter(([, ms]) => ms >= 0.005)
          .sort((a, b) => b[1] - a[1])
          .map(([k, ms]) => `${k} ${ms.toFixed(2)}`)
          .join('; ');
      for (const endpoint of endpoints) {
        const through = totals(phases[endpoint].gateway);
        const direct = totals(phases[endpoint].direct);
        const raw = totals(phases[endpoint].raw);
        // The raw cost of all the DynamoDB requests the call makes (a list page makes one).
        const rawAll = endpoint === 'list' ? raw : totals(phases[endpoint].all);
        const params = {
          connections: CONNECTIONS,
          seconds_per_round: seconds,
          rounds,
          answers_through_gateway: through.answers,
          answers_direct: direct.answers,
          raw_requests: raw.answers,
          measured_again_after_failures: remeasured[endpoint].join('; ') || 'none',
        };
        const label = labels[endpoint];
        figures.push(
          figure({
            name: `${label} per second through the gateway`,
            unit: 'req/s',
            value: Math.round(through.perSecond),
            baseline:
              endpoint === 'send'
                ? { name: `${rawLabels.send}/s, same concurrency`, value: Math.round(raw.perSecond) }
                : {
                    name: 'the same page from the messaging service directly',
                    value: Math.round(direct.perSecond),
                  },
            higherIsBetter: true,
            params: {
              ...params,
              ...(endpoint === 'send' ? { issue_16_goal: 'at least 0.6x the raw TransactWriteItems' } : {}),
              direct_per_second: Math.round(direct.perSecond),
              raw_per_second: Math.round(raw.perSecond),
            },
          }),
        );
        if (endpoint !== 'send') {
          figures.push(
            figure({
              name: `${label} p99 through the gateway`,
              unit: 'ms',
              value: round2(percentile(through.latencies, 99)),
              baseline: {
                name: `${allLabels[endpoint]} p99`,
                value: round2(percentile(rawAll.latencies, 99)),
              },
              higherIsBetter: false,
              params: {
                ...params,
                issue_16_goal: "at most 1.5x the p99 of the page's raw DynamoDB requests",
                p50_ms: round2(percentile(through.latencies, 50)),
                direct_p99_ms: round2(percentile(direct.latencies, 99)),
                raw_p50_ms: round2(percentile(rawAll.latencies, 50)),
                ...(endpoint === 'thread'
                  ? {
                      query_alone_p99_ms: round2(percentile(raw.latencies, 99)),
                      ratio_to_query_alone: round2(
                        percentile(through.latencies, 99) / percentile(raw.latencies, 99),
                      ),
                    }
                  : {}),
              },
              samples: {
                label: `${label} latency through the gateway against the raw Query`,
                value: chartSamples(through.latencies),
                baseline: chartSamples(rawAll.latencies),
              },
            }),
          );
          const open = unsaturated[endpoint];
          if (open) {
            const ms = (r: OpenLoopResult) => r.latencies.map((l) => l.ms);
            figures.push(
              figure({
                name: `${label} p99 through the gateway at half its saturated rate`,
                unit: 'ms',
                value: round2(percentile(ms(open.gateway), 99)),
                baseline: {
                  name: `${allLabels[endpoint]} p99 at the same rate`,
                  value: round2(percentile(ms(open.raw), 99)),
                },
                higherIsBetter: false,
                params: {
                  reading:
                    "issue 16's 1.5x read at a load both sides sustain; the figure above is the saturated, 32-connection reading",
                  rate_per_s: open.rate,
                  seconds,
                  max_in_flight: CONNECTIONS,
                  answers_through_gateway: open.gateway.latencies.length,
                  raw_answers: open.raw.latencies.length,
                  dropped_ticks: open.gateway.dropped + open.raw.dropped,
                  p50_ms: round2(percentile(ms(open.gateway), 50)),
                  raw_p50_ms: round2(percentile(ms(open.raw), 50)),
                },
                samples: {
                  label: `${label} latency at ${open.rate}/s through the gateway against the raw requests`,
                  value: chartSamples(ms(open.gateway)),
                  baseline: chartSamples(ms(open.raw)),
                },
              }),
            );
          }
        }
        const ours = sum(through.cpuPerAnswer);
        const ddb = through.cpuPerAnswer['DynamoDB Local'] ?? Number.NaN;
        figures.push(
          figure({
            name: `${label}: CPU ms per answer through the gateway, every process of ours`,
            unit: 'ms',
            value: round2(ours),
            baseline: { name: "DynamoDB Local's CPU ms per answer in the same phase", value: round2(ddb) },
            higherIsBetter: false,
            params: {
              reading:
                "not issue 16's baseline: DynamoDB Local alone leaves out the client half of the DynamoDB work (see the next figure)",
              per_process: breakdown(through.cpuPerAnswer),
              direct_total_ms: round2(sum(direct.cpuPerAnswer)),
              direct_per_process: breakdown(direct.cpuPerAnswer),
            },
          }),
          figure({
            name: `${label}: CPU ms per answer through the gateway against the raw DynamoDB requests`,
            unit: 'ms',
            value: round2(ours),
            baseline: {
              name: `${allLabels[endpoint]}: DynamoDB Local + SDK client CPU ms per call`,
              value: round2(sum(rawAll.cpuPerAnswer)),
            },
            higherIsBetter: false,
            params: {
              // Issue 16's reading: a call's "own DynamoDB work" is the raw requests it makes, client and server.
              issue_16_goal:
                endpoint === 'send'
                  ? "at most 1.8x: a send's own DynamoDB work is these raw requests (SDK client + DynamoDB Local)"
                  : "at most 2x: a page's own DynamoDB work is these raw requests (SDK client + DynamoDB Local)",
              raw_per_process: breakdown(rawAll.cpuPerAnswer),
              ...(endpoint === 'send'
                ? {
                    raw_in_flight: SEND_COST_CONCURRENCY,
                    transaction_only_at_32_in_flight_per_process: breakdown(raw.cpuPerAnswer),
                  }
                : {}),
              ...(endpoint === 'thread'
                ? {
                    query_alone_per_process: breakdown(raw.cpuPerAnswer),
                    ratio_to_query_alone: round2(ours / sum(raw.cpuPerAnswer)),
                  }
                : {}),
            },
          }),
        );
      }
      const idlePerSecond = Object.fromEntries(
        Object.entries(idleMs).map(([k, v]) => [k, round2(v / idleSeconds)]),
      );
      const busiest = mean(endpoints.map((e) => sum(totals(phases[e].gateway).cpuPerAnswer)));
      figures.push(
        figure({
          name: 'idle CPU of the whole system (no traffic)',
          unit: 'ms/s',
          value: round2(sum(idlePerSecond)),
          baseline: { name: 'mean CPU ms of one answered request (the three calls)', value: round2(busiest) },
          higherIsBetter: false,
          params: { idle_seconds: idleSeconds, per_process: breakdown(idlePerSecond) },
        }),
      );
      return figures;
    } finally {
      doc.destroy();
      await system.stop();
    }
  },
};
