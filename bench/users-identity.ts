import { startLocalStack } from '@cruddur/local-stack';
import { createTestServiceKeys } from '@cruddur/test-kit';
import { migrateUsersDatabase, startUsersService, usersConfigSchema } from '@cruddur/users';
import pg from 'pg';
import {
  autocannonWithLatencies,
  type Benchmark,
  chartSamples,
  closedLoop,
  figure,
  percentile,
} from './lib.ts';

const IN_FLIGHT = 16;
// The exact statement the service runs for GET /internal/users/by-cognito/:sub.
const RAW_QUERY =
  'SELECT uuid, handle, display_name, email, cognito_user_id, bio, version, created_at, updated_at FROM users WHERE cognito_user_id = $1';

/**
 * Identity resolution (Cognito sub to user) is on the path of every authenticated request. This measures
 * it through the users service (HTTP + validation + JSON) against the same row read with a raw `pg`
 * query, both at 16 in flight, in one run on one private PostgreSQL. The ratio is the service's overhead.
 */
export const benchmark: Benchmark = {
  id: 'users-identity',
  area: 'issue 3: users service',
  async run(ctx) {
    const users = ctx.quick ? 200 : 5_000;
    const durationMs = ctx.quick ? 2_000 : 15_000;
    const warmupOps = ctx.quick ? 50 : 500;

    ctx.log('starting a private PostgreSQL');
    const stack = await startLocalStack({ only: ['postgres'] });
    const cleanups: (() => Promise<unknown>)[] = [() => stack.stop()];
    try {
      const admin = new pg.Client({ connectionString: stack.endpoints.postgresUrl });
      await admin.connect();
      await admin.query('CREATE DATABASE bench_users');
      await admin.end();
      const url = new URL(stack.endpoints.postgresUrl);
      url.pathname = '/bench_users';
      const databaseUrl = url.toString();
      await migrateUsersDatabase(databaseUrl);

      const raw = new pg.Pool({ connectionString: databaseUrl, max: IN_FLIGHT });
      // Postgres stopping at the end can still reach connections the pool just closed; that is not a failure.
      raw.on('error', () => undefined);
      cleanups.unshift(() => raw.end());
      await raw.query(
        `INSERT INTO users (handle, display_name, email, cognito_user_id)
         SELECT 'user' || i, 'User ' || i, 'user' || i || '@example.com', 'sub-' || i FROM generate_series(1, $1) AS i`,
        [users],
      );
      await raw.query('ANALYZE users');
      const subs = Array.from({ length: users }, (_, i) => `sub-${i + 1}`);
      const sub = (i: number) => subs[Math.abs(i) % users]!;

      const keys = await createTestServiceKeys();
      // The relay is off: no events are written here, and the queue is irrelevant to reads.
      const config = usersConfigSchema.parse({
        PORT: '0',
        LOG_LEVEL: 'silent',
        DATABASE_URL: databaseUrl,
        USERS_EVENTS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/unused',
        PG_POOL_MAX: String(IN_FLIGHT),
        SERVICE_AUTH_PUBLIC_KEYS: keys.publicKeysJson,
      });
      const service = await startUsersService(config, { relay: false });
      // The gateway's service credential, as it sends it on every identity look-up.
      const credential = await keys.asService('users', 'gateway');
      cleanups.unshift(() => service.stop());

      ctx.log(`raw pg: ${IN_FLIGHT} in flight for ${durationMs} ms over ${users} users`);
      const baseline = await closedLoop(
        async (i) => {
          const { rows } = await raw.query(RAW_QUERY, [sub(i)]);
          if (rows.length !== 1) throw new Error('row missing');
        },
        { concurrency: IN_FLIGHT, durationMs, warmupOps },
      );

      // autocannon, not fetch: in one process fetch's own cost caps the rate well below what the service
      // does (about 1,000/s for /healthz here), and the figure should describe the service.
      ctx.log(`users service: ${IN_FLIGHT} connections for ${durationMs} ms`);
      let next = 0;
      const load = (duration: number) =>
        autocannonWithLatencies({
          url: service.url,
          connections: IN_FLIGHT,
          pipelining: 1,
          duration: duration / 1000,
          requests: [
            {
              method: 'GET',
              headers: credential,
              setupRequest: (request) => ({ ...request, path: `/internal/users/by-cognito/${sub(next++)}` }),
            },
          ],
        });
      await load(ctx.quick ? 500 : 2_000);
      const http = await load(durationMs);
      const httpErrors = http.errors + http.non2xx;
      if (httpErrors > 0 || baseline.errors > 0) {
        ctx.log(`errors: service ${httpErrors}, raw ${baseline.errors}`);
      }

      const params = {
        in_flight: IN_FLIGHT,
        users,
        duration_ms: durationMs,
        service_requests: http['2xx'],
        raw_queries: baseline.completed,
        errors: httpErrors + baseline.errors,
        load_generator: 'autocannon (service), closed loop of pool.query (raw)',
        client_and_service_share_process: true,
      };
      return [
        figure({
          name: 'identity resolutions/s through the users service (GET /internal/users/by-cognito/:sub)',
          unit: 'ops/s',
          value: http['2xx'] / http.duration,
          baseline: { name: 'same row by raw pg query', value: baseline.perSecond },
          higherIsBetter: true,
          params,
        }),
        figure({
          name: 'identity resolution p99 latency through the users service',
          unit: 'ms',
          value: http.latency.p99,
          baseline: { name: 'raw pg query p99', value: percentile(baseline.latenciesMs, 99) },
          higherIsBetter: false,
          params,
          samples: {
            label: 'identity resolution latency',
            value: chartSamples(http.latenciesMs),
            baseline: chartSamples(baseline.latenciesMs),
          },
        }),
        figure({
          name: 'identity resolution p50 latency through the users service',
          unit: 'ms',
          value: http.latency.p50,
          baseline: { name: 'raw pg query p50', value: percentile(baseline.latenciesMs, 50) },
          higherIsBetter: false,
          params,
        }),
      ];
    } finally {
      for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    }
  },
};
