import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { AppEnv } from './app.ts';

/** A Prometheus registry with process metrics, labelled with the service name; serve it at /metrics. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** The HTTP metric names every service exports (createApp records them when given a registry). */
const HTTP_METRICS = {
  requests: 'http_requests_total',
  duration: 'http_request_duration_seconds',
} as const;

/** The route label of a request that matched no route (404 route_not_found, or a method the path lacks). */
const UNMATCHED_ROUTE = 'unmatched';

// Internal calls answer in a few milliseconds, public ones in tens: the low buckets keep both readable.
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const STATUS_CLASSES = ['1xx', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;
// Node's parser accepts a few dozen methods; anything else we do not route is folded into one label value.
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
// Probes and scrapes are polled constantly; counting them would drown the traffic (the access log skips them too).
const UNRECORDED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

type Labels = { method: string; route: string; status_class: string };

/**
 * Records every request's count and latency by route pattern (never the raw path: its cardinality is
 * unbounded), method and status class. The label objects are made once per combination and reused, so a
 * request costs prom-client's own work and nothing more. Register it before the routes; pass the same
 * registry to several apps and they share the metrics.
 */
export function httpMetrics(registry: Registry): MiddlewareHandler<AppEnv> {
  const requests =
    (registry.getSingleMetric(HTTP_METRICS.requests) as Counter<keyof Labels> | undefined) ??
    new Counter({
      name: HTTP_METRICS.requests,
      help: 'HTTP requests answered, by route pattern, method and status class',
      labelNames: ['method', 'route', 'status_class'],
      registers: [registry],
    });
  const duration =
    (registry.getSingleMetric(HTTP_METRICS.duration) as Histogram<keyof Labels> | undefined) ??
    new Histogram({
      name: HTTP_METRICS.duration,
      help: 'Time until the response headers (for an event stream: until it opened), by route pattern, method and status class',
      labelNames: ['method', 'route', 'status_class'],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
  // route -> method -> status class index -> labels; bounded by the app's routes × 8 methods × 5 classes.
  const labelSets = new Map<string, Map<string, Labels[]>>();
  const labelsFor = (route: string, method: string, status: number): Labels => {
    let byMethod = labelSets.get(route);
    if (!byMethod) {
      byMethod = new Map();
      labelSets.set(route, byMethod);
    }
    let byClass = byMethod.get(method);
    if (!byClass) {
      byClass = [];
      byMethod.set(method, byClass);
    }
    const index = Math.min(5, Math.max(1, Math.floor(status / 100)));
    let labels = byClass[index];
    if (!labels) {
      labels = { method, route, status_class: STATUS_CLASSES[index]! };
      byClass[index] = labels;
    }
    return labels;
  };

  return async function recordHttpMetrics(c, next) {
    if (UNRECORDED_PATHS.has(c.req.path)) return next();
    const started = performance.now();
    await next();
    const method = METHODS.has(c.req.method) ? c.req.method : 'OTHER';
    const labels = labelsFor(routeOf(c), method, c.res.status);
    requests.inc(labels);
    duration.observe(labels, (performance.now() - started) / 1000);
  };
}

/**
 * The pattern of the route the request was for: the last handler it matched, even when a middleware
 * answered first (401, 413, 429). With no handler, the request either reached createApp's not-found
 * answer (`unmatched`) or was answered by a middleware of its own path (a CORS preflight: `/api/*`).
 */
function routeOf(c: Context<AppEnv>): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i]!;
    // Middleware is registered with use(), which Hono records as method ALL.
    if (route.method !== 'ALL') return route.path;
  }
  if (c.get('routeUnmatched')) return UNMATCHED_ROUTE;
  return routes[c.req.routeIndex]?.path ?? UNMATCHED_ROUTE;
}
