import { randomUUID } from 'node:crypto';
import { call, type E2eSystem, openEventStream, startE2eSystem } from '@cruddur/system-testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { unknownReferences } from '../src/check.ts';
import { type Dashboard, dashboardQueries, dashboardSchema, loadDashboard } from '../src/dashboard.ts';
import { type ScrapedSeries, scrapedSeries } from '../src/exposition.ts';
import { alertRules, ruleQueries } from '../src/rules.ts';

/**
 * The dashboard and the alert rules read only what the real services export: the whole system runs in
 * this process, takes some traffic, and each service's /metrics is scraped as Prometheus would.
 */
describe('every metric a dashboard panel or an alert names is in a live scrape of the services', () => {
  let system: E2eSystem;
  const texts: Record<string, string> = {};
  const scrapes: Record<string, ScrapedSeries> = {};
  const dashboard = dashboardSchema.parse(loadDashboard()) as Dashboard;

  beforeAll(async () => {
    system = await startE2eSystem();
    const gateway = await system.startGateway();
    const [alice, bob] = await Promise.all([system.createUser('alice'), system.createUser('bob')]);
    // Request metrics exist once a route has answered: a write, reads, a refusal and an event stream.
    const idempotencyKey = randomUUID();
    await vi.waitFor(
      async () => {
        const sent = await call(gateway.url, '/api/messages', {
          token: alice.accessToken,
          body: { message: 'hi bob', handle: 'bob' },
          headers: { 'idempotency-key': idempotencyKey },
        });
        // Messaging learns bob from users-events first.
        if (sent.status !== 200) throw new Error(`first message: ${sent.status}`);
      },
      { timeout: 15_000, interval: 100 },
    );
    await call(gateway.url, '/api/message_groups', { token: bob.accessToken });
    await call(gateway.url, '/api/message_groups');
    const stream = await openEventStream(`${gateway.url}/api/events`, {
      authorization: `Bearer ${bob.accessToken}`,
    });
    await vi.waitFor(() => expect(stream.events[0]?.event).toBe('ready'));
    const urls = {
      gateway: gateway.url,
      users: system.usersUrl,
      messaging: system.messagingUrl,
      'stream-consumer': system.streamConsumerUrl,
    };
    // The worker's per-shard series exist once it has read a batch of the message's records.
    await vi.waitFor(
      async () => {
        const text = await (await fetch(`${urls['stream-consumer']}/metrics`)).text();
        if (!/^stream_consumer_records_total\{outcome="applied"/m.test(text)) throw new Error('no batch yet');
      },
      { timeout: 20_000, interval: 200 },
    );
    for (const [service, url] of Object.entries(urls)) {
      const res = await fetch(`${url}/metrics`);
      expect(res.status, service).toBe(200);
      texts[service] = await res.text();
      scrapes[service] = scrapedSeries(texts[service]!);
    }
    stream.close();
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('every service exports request metrics by route and process metrics, labelled with its name', () => {
    for (const [service, text] of Object.entries(texts)) {
      expect(text, service).toMatch(/^# TYPE http_requests_total counter$/m);
      expect(text, service).toMatch(/^# TYPE http_request_duration_seconds histogram$/m);
      expect(text, service).toMatch(new RegExp(`^process_cpu_seconds_total\\{service="${service}"`, 'm'));
      // The worker serves probes and scrapes only, which are not counted: it has no request series.
      if (service === 'stream-consumer') continue;
      const requests = new RegExp(`^http_requests_total\\{[^}]*route="[^"]+"[^}]*service="${service}"`, 'm');
      expect(text, service).toMatch(requests);
    }
    expect(texts.gateway).toMatch(/^gateway_sse_connections_open\{service="gateway"\} 1$/m);
    expect(texts.messaging).toMatch(
      /^dead_letter_queue_messages\{queue="users-events-dlq",service="messaging"\} 0$/m,
    );
    expect(texts['stream-consumer']).toMatch(
      /^dead_letter_queue_messages\{queue="stream-dlq",service="stream-consumer"/m,
    );
  });

  it('the Grafana dashboard reads only metrics and labels the services export', () => {
    expect(unknownReferences(dashboardQueries(dashboard), scrapes)).toEqual([]);
  });

  it('the alert rules read only metrics and labels the services export', () => {
    expect(unknownReferences(ruleQueries(alertRules()), scrapes)).toEqual([]);
  });

  it('the check can fail: a misspelled metric, a metric of another service and a missing label are found', () => {
    const misspelled = JSON.parse(
      JSON.stringify(dashboard).replaceAll('stream_consumer_shard_lag_ms', 'stream_consumer_shard_lag_msec'),
    );
    expect(unknownReferences(dashboardQueries(misspelled), scrapes)).toEqual([
      'panel "Lag per shard" A: stream-consumer does not export stream_consumer_shard_lag_msec',
    ]);
    const rules = alertRules().map((r) =>
      r.alert === 'OutboxBacklogGrowing'
        ? { ...r, expr: r.expr.replace('service="users"', 'service="messaging"') }
        : r,
    );
    expect(unknownReferences(ruleQueries(rules), scrapes)).toEqual([
      'alert OutboxBacklogGrowing: messaging does not export users_outbox_oldest_pending_seconds',
    ]);
    expect(
      unknownReferences(
        [
          { where: 'typo', expr: 'sum by (servce) (rate(http_requests_total{status="500"}[5m]))' },
          { where: 'unknown', expr: 'up{service="cruddur"}' },
        ],
        scrapes,
      ),
    ).toEqual([
      'typo: http_requests_total has no label status',
      'typo: by/without (servce) but no metric it aggregates has that label',
      'unknown: no service is called cruddur',
    ]);
  });
});
