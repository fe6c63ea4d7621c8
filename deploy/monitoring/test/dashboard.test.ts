import { describe, expect, it } from 'vitest';
import {
  type Dashboard,
  dashboardQueries,
  dashboardSchema,
  type GraphPanel,
  loadDashboard,
  panelQueries,
  variablesIn,
} from '../src/dashboard.ts';
import { analysePromql } from '../src/promql.ts';

const raw = loadDashboard();
const dashboard = dashboardSchema.parse(raw) as Dashboard;
const graphs = dashboard.panels.filter((p): p is GraphPanel => p.type !== 'row');
const metricsOf = (panel: GraphPanel) =>
  panelQueries(panel).flatMap((q) => analysePromql(q.expr).selectors.map((s) => s.metric));

describe('the Grafana dashboard (deploy/monitoring/grafana/cruddur.json)', () => {
  it('is the Grafana dashboard model, with a Prometheus datasource variable every query uses', () => {
    expect(dashboardSchema.safeParse(raw).error?.issues ?? []).toEqual([]);
    expect(dashboard.templating.list[0]).toMatchObject({ type: 'datasource', query: 'prometheus' });
  });

  it('has unique panel ids, and no two panels overlap on the grid', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Map<string, string>();
    for (const p of dashboard.panels) {
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          const cell = `${x},${y}`;
          expect(cells.get(cell), `${p.title} overlaps`).toBeUndefined();
          cells.set(cell, p.title);
        }
      }
    }
  });

  it('gives each target of a panel its own refId, and uses only variables it defines', () => {
    const defined = new Set(dashboard.templating.list.map((v) => v.name));
    for (const p of graphs) {
      const refIds = p.targets.map((t) => t.refId);
      expect(new Set(refIds).size, p.title).toBe(refIds.length);
      for (const t of p.targets)
        for (const v of variablesIn(t.expr)) expect(defined, `${p.title}: $${v}`).toContain(v);
    }
    for (const p of dashboard.panels) if (p.type === 'row' && p.repeat) expect(defined).toContain(p.repeat);
  });

  it('every expression is valid PromQL once the variables are substituted', () => {
    const queries = dashboardQueries(dashboard);
    expect(queries.length).toBeGreaterThan(graphs.length);
    expect(queries.flatMap((q) => analysePromql(q.expr).errors.map((e) => `${q.where}: ${e}`))).toEqual([]);
  });

  it('shows what the operators asked for: per-route rate, errors and latency per service, and the workers and queues', () => {
    const repeated = dashboard.panels.find((p) => p.type === 'row' && p.repeat === 'service');
    expect(repeated, 'a row repeated for every service').toBeDefined();
    const inRepeatedRow = graphs.filter((p) => p.gridPos.y > repeated!.gridPos.y).slice(0, 3);
    const perRoute = inRepeatedRow.filter((p) => p.targets.every((t) => /by \([^)]*route/.test(t.expr)));
    expect(perRoute.flatMap(metricsOf).sort()).toEqual([
      'http_request_duration_seconds_bucket',
      'http_request_duration_seconds_bucket',
      'http_request_duration_seconds_bucket',
      'http_requests_total',
      'http_requests_total',
      'http_requests_total',
      'http_requests_total',
      'http_requests_total',
    ]);
    const everything = new Set(graphs.flatMap(metricsOf));
    for (const metric of [
      'stream_consumer_shard_lag_ms',
      'stream_consumer_leases_held',
      'dead_letter_queue_messages',
      'users_outbox_pending',
      'users_outbox_oldest_pending_seconds',
      'gateway_sse_connections_open',
      'process_resident_memory_bytes',
    ]) {
      expect(everything, metric).toContain(metric);
    }
  });

  it('the schema check can fail: a fixed datasource uid or a panel off the grid is refused', () => {
    const fixed = structuredClone(raw) as { panels: { datasource?: unknown; gridPos: { w: number } }[] };
    fixed.panels[1]!.datasource = { type: 'prometheus', uid: 'P1809F7CD0C75ACF3' };
    expect(dashboardSchema.safeParse(fixed).success).toBe(false);
    const wide = structuredClone(raw) as { panels: { gridPos: { x: number; w: number } }[] };
    wide.panels[1]!.gridPos.w = 24;
    wide.panels[1]!.gridPos.x = 8;
    expect(dashboardSchema.safeParse(wide).success).toBe(false);
  });
});
