import { readFileSync } from 'node:fs';
import { bearer, createServiceSigner, privateKeyEnv } from '@cruddur/service-auth';
import { signInByHandle } from '../scripts/auth/sign-in.ts';
import { opsAuthorization } from '../scripts/lib/ops-credential.ts';
import { SEED_PASSWORD } from '../scripts/lib/seed-users.ts';
import { startSystem } from '../scripts/lib/system.ts';
import { autocannonWithLatencies, type Benchmark, chartSamples, figure } from './lib.ts';

const CONNECTIONS = 32;
const HANDLE = 'andrewbrown';

interface Load {
  perSecond: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  latenciesMs: number[];
}

async function load(
  url: string,
  headers: Record<string, string>,
  seconds: number,
  body?: string,
): Promise<Load> {
  const result = await autocannonWithLatencies({
    url,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { method: 'POST' as const, body }),
    connections: CONNECTIONS,
    pipelining: 1,
    duration: seconds,
  });
  return {
    perSecond: result.requests.average,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    latenciesMs: result.latenciesMs,
  };
}

/**
 * Issue 6: authenticated `GET /api/message_groups` through the gateway (token verification, cached
 * identity, rate limit, messaging call, mapping) against the same page from the messaging service
 * called directly, at 32 connections, on the whole seeded system running as separate processes.
 * The two sides alternate in rounds so drift on a shared machine hits both.
 */
export const benchmark: Benchmark = {
  id: 'gateway-message-groups',
  area: 'issue 6: public API gateway',
  async run(ctx) {
    const seconds = ctx.quick ? 2 : 10;
    const rounds = ctx.quick ? 1 : 3;
    ctx.log('starting the seeded system (stack, four services as processes)');
    const system = await startSystem({
      ports: 'free',
      seed: true,
      // The per-user limit would otherwise measure itself: one user at full speed is the point here.
      serviceEnv: {
        gateway: { RATE_LIMIT_BURST: '1000000000', RATE_LIMIT_PER_SECOND: '1000000000', LOG_LEVEL: 'warn' },
      },
    });
    try {
      const { env } = system;
      const token = await signInByHandle({
        region: env.AWS_REGION ?? 'us-east-1',
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
      const gatewayUrl = `${system.gatewayUrl}/api/message_groups`;
      const directUrl = `${env.MESSAGING_URL}/internal/conversations?limit=20`;
      const auth = { authorization: `Bearer ${token}` };
      // The direct side sends what the gateway sends: its signed assertion of the acting user.
      const gatewayKey = privateKeyEnv.parse(readFileSync(`${env.SERVICE_KEYS_DIR}/gateway.jwk`, 'utf8'));
      const signer = await createServiceSigner({ privateKey: gatewayKey, ttlSeconds: 120 });
      const directAuth = async () => bearer(await signer.forUser('messaging', user.uuid));

      const check = await fetch(gatewayUrl, { headers: auth });
      const groups = (await check.json()) as unknown[];
      if (check.status !== 200 || groups.length === 0) {
        throw new Error(`gateway answered ${check.status} with ${groups.length} groups; is the seed there?`);
      }
      ctx.log(`warming up (${groups.length} conversations for ${HANDLE})`);
      await load(gatewayUrl, auth, 1);
      await load(directUrl, await directAuth(), 1);

      // The two sides alternate in rounds, so drift on a shared machine hits both alike.
      const alternate = async (
        label: string,
        gatewaySide: () => Promise<Load>,
        directSide: () => Promise<Load>,
      ) => {
        const sides = { through: [] as Load[], direct: [] as Load[] };
        for (let round = 0; round < rounds; round++) {
          ctx.log(`${label} round ${round + 1}/${rounds}: ${seconds}s each side`);
          sides.through.push(await gatewaySide());
          sides.direct.push(await directSide());
        }
        return sides;
      };
      const reads = await alternate(
        'read',
        () => load(gatewayUrl, auth, seconds),
        async () => load(directUrl, await directAuth(), seconds),
      );
      const { through, direct } = reads;
      // Sends: the same message into andrewbrown's first conversation, through the gateway and directly.
      const group = (groups[0] as { uuid: string }).uuid;
      const sendUrl = `${system.gatewayUrl}/api/messages`;
      const directSendUrl = `${env.MESSAGING_URL}/internal/conversations/${group}/messages`;
      const text = 'A benchmark message of a typical length, about sixty characters.';
      const sendBody = JSON.stringify({ message: text, message_group_uuid: group });
      const directSendBody = JSON.stringify({ message: text });
      await load(sendUrl, auth, 1, sendBody);
      await load(directSendUrl, await directAuth(), 1, directSendBody);
      const sends = await alternate(
        'send',
        () => load(sendUrl, auth, seconds, sendBody),
        async () => load(directSendUrl, await directAuth(), seconds, directSendBody),
      );
      const { through: sendThrough, direct: sendDirect } = sends;
      const failures = [...through, ...direct, ...sendThrough, ...sendDirect].reduce(
        (n, l) => n + l.non2xx + l.errors,
        0,
      );
      if (failures > 0) throw new Error(`${failures} requests failed or answered non-2xx; figures would lie`);
      const mean = (loads: Load[], pick: (l: Load) => number) =>
        loads.reduce((sum, l) => sum + pick(l), 0) / loads.length;
      const params = {
        connections: CONNECTIONS,
        seconds_per_round: seconds,
        rounds,
        conversations_per_page: groups.length,
        requests_through_gateway: through.reduce((n, l) => n + l.requests, 0),
        requests_direct: direct.reduce((n, l) => n + l.requests, 0),
      };
      return [
        figure({
          name: 'authenticated GET /api/message_groups per second through the gateway',
          unit: 'req/s',
          value: Math.round(mean(through, (l) => l.perSecond)),
          baseline: {
            name: 'GET /internal/conversations on the messaging service directly',
            value: Math.round(mean(direct, (l) => l.perSecond)),
          },
          higherIsBetter: true,
          params,
        }),
        figure({
          name: 'p99 latency of authenticated GET /api/message_groups through the gateway',
          unit: 'ms',
          value: mean(through, (l) => l.p99Ms),
          baseline: {
            name: 'p99 of the same page from the messaging service directly',
            value: mean(direct, (l) => l.p99Ms),
          },
          higherIsBetter: false,
          params,
          samples: {
            label: 'GET /api/message_groups latency, every round',
            value: chartSamples(through.flatMap((l) => l.latenciesMs)),
            baseline: chartSamples(direct.flatMap((l) => l.latenciesMs)),
          },
        }),
        figure({
          name: 'authenticated POST /api/messages per second through the gateway',
          unit: 'req/s',
          value: Math.round(mean(sendThrough, (l) => l.perSecond)),
          baseline: {
            name: 'POST /internal/conversations/:g/messages on the messaging service directly',
            value: Math.round(mean(sendDirect, (l) => l.perSecond)),
          },
          higherIsBetter: true,
          params: {
            connections: CONNECTIONS,
            seconds_per_round: seconds,
            rounds,
            sends_through_gateway: sendThrough.reduce((n, l) => n + l.requests, 0),
            sends_direct: sendDirect.reduce((n, l) => n + l.requests, 0),
          },
        }),
      ];
    } finally {
      await system.stop();
    }
  },
};
