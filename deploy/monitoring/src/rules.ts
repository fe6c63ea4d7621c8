import { join } from 'node:path';
import { K8S_DIR, renderKustomization } from '@cruddur/deploy-k8s/kustomize';
import type { NamedQuery } from './check.ts';

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The alert rules of the PrometheusRule in the Kubernetes base, as kustomize renders it. */
export function alertRules(): AlertRule[] {
  const rule = renderKustomization(join(K8S_DIR, 'base')).find((o) => o.kind === 'PrometheusRule');
  if (!rule) throw new Error('no PrometheusRule in deploy/k8s/base');
  const spec = rule.spec as { groups: { name: string; rules: AlertRule[] }[] };
  return spec.groups.flatMap((g) => g.rules);
}

export const ruleQueries = (rules: AlertRule[]): NamedQuery[] =>
  rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr }));
