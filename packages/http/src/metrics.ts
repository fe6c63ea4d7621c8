import { collectDefaultMetrics, Registry } from 'prom-client';

/** A Prometheus registry with process metrics, labelled with the service name; serve it at /metrics. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
