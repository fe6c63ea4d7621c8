import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { NamedQuery } from './check.ts';

export const DASHBOARD_PATH = join(dirname(fileURLToPath(import.meta.url)), '../grafana/cruddur.json');

/** Every query goes to the Prometheus the importer picks: the `datasource` variable, never a fixed uid. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JavaScript template
const datasourceRef = z.object({ type: z.literal('prometheus'), uid: z.literal('${datasource}') }).strict();

const gridPos = z
  .object({
    x: z.number().int().min(0).max(23),
    y: z.number().int().min(0),
    w: z.number().int().min(1).max(24),
    h: z.number().int().min(1),
  })
  .strict()
  .refine((g) => g.x + g.w <= 24, 'a panel wider than the 24-column grid');

const target = z.object({
  refId: z.string().regex(/^[A-Z]$/),
  datasource: datasourceRef,
  expr: z.string().min(1),
  legendFormat: z.string().min(1),
  range: z.literal(true).optional(),
  instant: z.boolean().optional(),
});

const graphPanel = z.object({
  id: z.number().int().positive(),
  type: z.enum(['timeseries', 'stat']),
  title: z.string().min(1),
  description: z.string().min(1),
  gridPos,
  datasource: datasourceRef,
  targets: z.array(target).min(1),
  fieldConfig: z.object({
    defaults: z.object({ unit: z.enum(['reqps', 'percentunit', 's', 'ms', 'short', 'bytes']) }).loose(),
    overrides: z.array(z.unknown()),
  }),
  options: z.record(z.string(), z.unknown()),
});

const rowPanel = z
  .object({
    id: z.number().int().positive(),
    type: z.literal('row'),
    title: z.string().min(1),
    gridPos: gridPos.refine((g) => g.x === 0 && g.w === 24 && g.h === 1, 'a row spans the grid, 1 high'),
    collapsed: z.literal(false),
    panels: z.array(z.never()),
    repeat: z.string().optional(),
  })
  .strict();

const panel = z.discriminatedUnion('type', [graphPanel, rowPanel]);
export type Panel = z.infer<typeof panel>;
export type GraphPanel = z.infer<typeof graphPanel>;

const datasourceVariable = z.object({
  type: z.literal('datasource'),
  name: z.literal('datasource'),
  label: z.string(),
  query: z.literal('prometheus'),
});
const queryVariable = z.object({
  type: z.literal('query'),
  name: z.string().regex(/^\w+$/),
  label: z.string(),
  datasource: datasourceRef,
  // label_values(<metric selector>, <label>): the one Grafana query function this dashboard uses.
  query: z.string().regex(/^label_values\(.+,\s*\w+\)$/),
  definition: z.string(),
  multi: z.boolean(),
  includeAll: z.boolean(),
  refresh: z.union([z.literal(1), z.literal(2)]),
});

/**
 * The Grafana dashboard model as this repository writes it (Grafana's own JSON model, schemaVersion 39+):
 * a Prometheus datasource variable, query variables, rows and graph panels on the 24-column grid.
 */
export const dashboardSchema = z.object({
  uid: z.string().regex(/^[a-z0-9-]{1,40}$/),
  title: z.string().min(1),
  description: z.string().min(1),
  tags: z.array(z.string()),
  schemaVersion: z.number().int().min(39),
  version: z.number().int(),
  editable: z.boolean(),
  graphTooltip: z.number().int(),
  time: z.object({ from: z.string(), to: z.string() }),
  refresh: z.string(),
  timezone: z.string(),
  annotations: z.object({ list: z.array(z.unknown()) }),
  links: z.array(z.unknown()),
  templating: z.object({
    list: z.tuple([datasourceVariable], queryVariable),
  }),
  panels: z.array(panel).min(1),
});
export type Dashboard = z.infer<typeof dashboardSchema>;

export function loadDashboard(path = DASHBOARD_PATH): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Grafana's interval variables stand for a duration; any valid one parses the same way. */
const INTERVALS = /\$__(rate_interval|interval|range)\b/g;

/** A template variable stands for a value inside a label matcher; `.*` keeps the expression valid PromQL. */
const VARIABLE = /\$\{?(\w+)\}?/g;

const substitute = (expr: string) => expr.replace(INTERVALS, '5m').replace(VARIABLE, '.*');

/** A panel's expressions, with the variables substituted so each parses as Prometheus would receive it. */
export const panelQueries = (panel: GraphPanel): NamedQuery[] =>
  panel.targets.map((t) => ({ where: `panel "${panel.title}" ${t.refId}`, expr: substitute(t.expr) }));

/**
 * Every PromQL expression of the dashboard: each panel's, and each `label_values(selector, label)`
 * variable's as `group by (label) (selector)`, so its metric and label are checked like any panel's.
 */
export function dashboardQueries(dashboard: Dashboard): NamedQuery[] {
  const queries: NamedQuery[] = [];
  for (const variable of dashboard.templating.list) {
    if (variable.type !== 'query') continue;
    const [, selector, label] = /^label_values\((.+),\s*(\w+)\)$/.exec(variable.query)!;
    queries.push({ where: `variable $${variable.name}`, expr: `group by (${label}) (${selector})` });
  }
  for (const p of dashboard.panels) if (p.type !== 'row') queries.push(...panelQueries(p));
  return queries;
}

/** The variables an expression or a row's repeat refers to (`$service`, `${service}`). */
export function variablesIn(text: string): string[] {
  return [...text.replace(INTERVALS, '').matchAll(VARIABLE)].map((m) => m[1]!);
}
