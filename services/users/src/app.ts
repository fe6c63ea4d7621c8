import { createApp } from '@cruddur/http';
import type { Logger } from '@cruddur/logger';
import type { ServiceVerifier } from '@cruddur/service-auth';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import { identityRoutes } from './routes/identity.ts';
import { profileRoutes } from './routes/profiles.ts';

export interface UsersAppDeps {
  pool: pg.Pool;
  logger: Logger;
  /** Checks the credential of every internal call. */
  verifier: ServiceVerifier;
  /** The service's registry (createUsersMetrics): request metrics are recorded in it and it is served at /metrics. */
  metrics: Registry;
}

/** The users service's HTTP app: internal API, /openapi.json, /healthz, /readyz (PostgreSQL reachable), /metrics. */
export function createUsersApp({ pool, logger, verifier, metrics }: UsersAppDeps) {
  const app = createApp({ logger, metrics, readiness: { postgres: () => pool.query('SELECT 1') } });
  app.route('/', identityRoutes({ pool, verifier }));
  app.route('/', profileRoutes({ pool, verifier }));
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Cruddur users service (internal)',
      version: '1.0.0',
      description:
        'Who people are. Every /internal route needs `Authorization: Bearer <service assertion>` (see the README, "Trust between services"). Errors are {"errors": [code, ...]} with every code that applies.',
    },
  });
  return app;
}
