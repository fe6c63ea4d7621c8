import type { ScrapedSeries } from './exposition.ts';
import { analysePromql } from './promql.ts';

/** A PromQL expression and where it comes from (a panel's target, an alert), for the messages. */
export interface NamedQuery {
  where: string;
  expr: string;
}

/**
 * Labels Prometheus attaches to every sample at scrape time, from the target (and, with the PodMonitor,
 * from the pod): no /metrics text holds them, a query may still use them.
 */
export const SCRAPE_LABELS: ReadonlySet<string> = new Set([
  'job',
  'instance',
  'namespace',
  'pod',
  'container',
  'endpoint',
]);

/**
 * Everything the queries refer to that the scraped services do not have: syntax errors, metric names
 * no service exports, labels a metric does not carry (in a matcher, or in a `by`/`without`). A selector
 * that names its service (`service="users"`) is checked against that service's own scrape. Empty when
 * every dashboard panel and alert reads real series.
 */
export function unknownReferences(queries: NamedQuery[], scrapes: Record<string, ScrapedSeries>): string[] {
  const anyService: ScrapedSeries = new Map();
  for (const series of Object.values(scrapes)) {
    for (const [metric, labels] of series)
      anyService.set(metric, new Set([...(anyService.get(metric) ?? []), ...labels]));
  }
  const problems: string[] = [];
  for (const { where, expr } of queries) {
    const { errors, selectors, groupings } = analysePromql(expr);
    problems.push(...errors.map((e) => `${where}: ${e}`));
    for (const { metric, labels, equals } of selectors) {
      const service = equals.service;
      const scraped = service === undefined ? anyService : scrapes[service];
      if (!scraped) {
        problems.push(`${where}: no service is called ${service}`);
        continue;
      }
      const known = scraped.get(metric);
      if (!known) {
        problems.push(
          service
            ? `${where}: ${service} does not export ${metric}`
            : `${where}: no service exports ${metric}`,
        );
        continue;
      }
      for (const label of labels) {
        if (!known.has(label) && !SCRAPE_LABELS.has(label))
          problems.push(`${where}: ${metric} has no label ${label}`);
      }
    }
    for (const { labels, over } of groupings) {
      // An unknown metric is reported above; its labels cannot be judged.
      if (over.some(({ metric }) => !anyService.has(metric))) continue;
      const carried = new Set(over.flatMap(({ metric }) => [...(anyService.get(metric) ?? [])]));
      for (const label of labels) {
        if (!carried.has(label) && !SCRAPE_LABELS.has(label)) {
          problems.push(`${where}: by/without (${label}) but no metric it aggregates has that label`);
        }
      }
    }
  }
  return problems;
}
