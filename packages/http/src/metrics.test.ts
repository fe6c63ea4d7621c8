import { silentLogger } from '@cruddur/logger';
import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createApp, createRouter } from './app.ts';
import { AppError } from './errors.ts';
import { createMetricsRegistry } from './metrics.ts';

function appWithRoutes() {
  const metrics = createMetricsRegistry('test-service');
  const app = createApp({ logger: silentLogger, metrics, bodyLimitBytes: 16 });
  app.get('/api/messages/:message_group_uuid', (c) => c.json({ id: c.req.param('message_group_uuid') }));
  app.post('/api/messages', (c) => c.json({}, 201));
  app.get('/api/broken', () => {
    throw new TypeError('bug');
  });
  app.get('/api/forbidden', () => {
    throw new AppError(['forbidden']);
  });
  const group = createRouter();
  group.get('/users/:handle/short', (c) => c.json({ handle: c.req.param('handle') }));
  app.route('/internal', group);
  return { app, metrics };
}

/** One metric's samples as `service method route status_class = value` lines (histograms: of the one sub-series named). */
async function samples(registry: Registry, name: string, series = name) {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as { metricName?: string; labels: object; value: number }[];
  return values
    .filter((v) => (v.metricName ?? name) === series)
    .map((v) => {
      const { service, method, route, status_class, le } = v.labels as Record<string, string>;
      return `${service} ${method} ${route} ${status_class}${le ? ` le=${le}` : ''} = ${v.value}`;
    });
}

describe('request metrics (createApp with a registry)', () => {
  it('labels requests by route pattern, never the raw path, with method and status class', async () => {
    const { app, metrics } = appWithRoutes();
    for (const id of ['a1', 'b2', 'c3']) await app.request(`/api/messages/${id}`);
    await app.request('/api/messages', { method: 'POST', body: '{}' });
    await app.request('/internal/users/bob/short');
    expect(await samples(metrics, 'http_requests_total')).toEqual([
      'test-service GET /api/messages/:message_group_uuid 2xx = 3',
      'test-service POST /api/messages 2xx = 1',
      'test-service GET /internal/users/:handle/short 2xx = 1',
    ]);
  });

  it('counts errors by status class: thrown bugs as 5xx, domain errors and unknown routes as 4xx', async () => {
    const { app, metrics } = appWithRoutes();
    await app.request('/api/broken');
    await app.request('/api/forbidden');
    await app.request('/no/such/path/123');
    await app.request('/api/messages', { method: 'DELETE' });
    expect(await samples(metrics, 'http_requests_total')).toEqual([
      'test-service GET /api/broken 5xx = 1',
      'test-service GET /api/forbidden 4xx = 1',
      'test-service GET unmatched 4xx = 1',
      'test-service DELETE unmatched 4xx = 1',
    ]);
  });

  it('counts a request a middleware refused under the route it was for', async () => {
    const { app, metrics } = appWithRoutes();
    const res = await app.request('/api/messages', { method: 'POST', body: 'x'.repeat(64) });
    expect(res.status).toBe(413);
    expect(await samples(metrics, 'http_requests_total')).toEqual([
      'test-service POST /api/messages 4xx = 1',
    ]);
  });

  it('folds methods no route uses into one label value', async () => {
    const { app, metrics } = appWithRoutes();
    await app.request('/api/messages', { method: 'PROPFIND' });
    expect(await samples(metrics, 'http_requests_total')).toEqual(['test-service OTHER unmatched 4xx = 1']);
  });

  it('times each request in a histogram with the same labels', async () => {
    const { app, metrics } = appWithRoutes();
    await app.request('/api/messages/x');
    const histogram = 'http_request_duration_seconds';
    expect(await samples(metrics, histogram, `${histogram}_count`)).toEqual([
      'test-service GET /api/messages/:message_group_uuid 2xx = 1',
    ]);
    expect(await samples(metrics, histogram, `${histogram}_bucket`)).toContain(
      'test-service GET /api/messages/:message_group_uuid 2xx le=+Inf = 1',
    );
  });

  it('leaves probes and scrapes out of the request metrics', async () => {
    const { app, metrics } = appWithRoutes();
    await app.request('/healthz');
    await app.request('/readyz');
    await app.request('/metrics');
    expect(await samples(metrics, 'http_requests_total')).toEqual([]);
  });

  it('serves the registry at /metrics: process metrics and every sample labelled with the service', async () => {
    const { app } = appWithRoutes();
    await app.request('/api/messages/x');
    const res = await app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="test-service"\} /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds\{service="test-service"\} /m);
    expect(text).toMatch(
      /^http_requests_total\{[^}]*route="\/api\/messages\/:message_group_uuid"[^}]*\} 1$/m,
    );
    const sampleLines = text.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(sampleLines.filter((l) => !l.includes('service="test-service"'))).toEqual([]);
  });

  it('without a registry there is no /metrics', async () => {
    const app = createApp({ logger: silentLogger });
    expect((await app.request('/metrics')).status).toBe(404);
  });

  it('apps sharing one registry share the metrics instead of registering them twice', async () => {
    const metrics = createMetricsRegistry('shared');
    const first = createApp({ logger: silentLogger, metrics });
    const second = createApp({ logger: silentLogger, metrics });
    first.get('/a', (c) => c.text('a'));
    second.get('/a', (c) => c.text('a'));
    await first.request('/a');
    await second.request('/a');
    expect(await samples(metrics, 'http_requests_total')).toEqual(['shared GET /a 2xx = 2']);
  });
});
