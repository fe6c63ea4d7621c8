import {
  currentRequestId,
  type Logger,
  newRequestId,
  REQUEST_ID_HEADER,
  withRequestContext,
} from '@cruddur/logger';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Registry } from 'prom-client';
import { limitBody } from './body.ts';
import { AppError, codeForStatus, type ErrorCode, type ErrorDetails, statusOf } from './errors.ts';
import { httpMetrics } from './metrics.ts';
import { type ReadinessChecks, runReadinessChecks } from './readiness.ts';
import { validationHook } from './validation.ts';

export interface AppVariables {
  requestId: string;
  /** Set by the not-found answer, so the request metrics count it under one route label. */
  routeUnmatched?: boolean;
}
export interface AppEnv {
  Variables: AppVariables;
}

export interface CreateAppOptions {
  logger: Logger;
  /** Named dependency probes for /readyz; each should throw when its dependency is unreachable. */
  readiness?: ReadinessChecks;
  /** The largest request body any route accepts (413 beyond, connection closed). */
  bodyLimitBytes?: number;
  /**
   * The service's registry (createMetricsRegistry): when given, every request is counted and timed by
   * route pattern, and the registry is served at GET /metrics.
   */
  metrics?: Registry;
}

// Accept a caller's id only if it is short and plain, so it is safe to log and echo back.
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Every error answer: `{"errors": [code, ...]}` with the status the codes map to. */
export function errorResponse(
  c: Context,
  codes: ErrorCode[],
  status: ContentfulStatusCode = statusOf(codes),
  details?: ErrorDetails,
) {
  return c.json({ ...details, errors: codes }, status);
}

/** A route group (mounted with `app.route()`) with the same 422 validation answers as `createApp`. */
export function createRouter<E extends AppEnv = AppEnv>(): OpenAPIHono<E> {
  return new OpenAPIHono<E>({ defaultHook: validationHook() });
}

/**
 * The one app factory every service and its tests use: request ids, access logs, validation errors as
 * 422 with every code, one error mapping, /healthz and /readyz, and with a registry request metrics and
 * /metrics.
 */
export function createApp<E extends AppEnv = AppEnv>({
  logger,
  readiness = {},
  bodyLimitBytes = 64 * 1024,
  metrics,
}: CreateAppOptions): OpenAPIHono<E> {
  // Services may add their own variables (E); the factory itself only ever touches AppEnv's.
  const app = new OpenAPIHono<E>({ defaultHook: validationHook() });
  const base = app as unknown as OpenAPIHono<AppEnv>;

  base.use(async (c, next) => {
    const incoming = c.req.header(REQUEST_ID_HEADER);
    const requestId = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : newRequestId();
    c.set('requestId', requestId);
    c.header(REQUEST_ID_HEADER, requestId);
    const started = performance.now();
    await withRequestContext({ requestId }, () => next());
    // Probes are polled constantly; logging them would drown everything else.
    const path = c.req.path;
    if (path === '/healthz' || path === '/readyz' || path === '/metrics') return;
    // The id is given here rather than by entering the request's context a second time just to log.
    logger.info(
      {
        request_id: requestId,
        method: c.req.method,
        path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });

  // Before the body limit, so the requests it refuses (413) are counted too.
  if (metrics) base.use(httpMetrics(metrics));
  base.use(limitBody(bodyLimitBytes));

  base.get('/healthz', (c) => c.json({ status: 'ok' }));
  base.get('/readyz', async (c) => {
    const report = await runReadinessChecks(readiness);
    if (report.ready) return c.json({ status: 'ready', checks: report.checks });
    return c.json(
      { status: 'not_ready', checks: report.checks, down: report.down, errors: ['dependency_unavailable'] },
      503,
    );
  });

  if (metrics) {
    base.get('/metrics', async (c) =>
      c.body(await metrics.metrics(), 200, { 'content-type': metrics.contentType }),
    );
  }

  base.notFound((c) => {
    c.set('routeUnmatched', true);
    return errorResponse(c, ['route_not_found']);
  });
  base.onError((err, c) => {
    if (err instanceof AppError) {
      const status = statusOf(err.codes);
      if (status >= 500) logger.error({ err, request_id: currentRequestId() }, 'request failed');
      return errorResponse(c, err.codes, status, err.details);
    }
    if (err instanceof HTTPException) {
      const status = err.status as ContentfulStatusCode;
      return errorResponse(c, [codeForStatus(status)], status);
    }
    logger.error({ err, request_id: c.get('requestId') }, 'unhandled error');
    return errorResponse(c, ['internal_error']);
  });

  return app;
}
