import { describe, expect, it } from 'vitest';
import { analysePromql } from '../src/promql.ts';
import { alertRules } from '../src/rules.ts';

describe('the alert rules (deploy/k8s/base/alert-rules.yaml)', () => {
  const rules = alertRules();

  it('every expression is valid PromQL that reads named metrics', () => {
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      const { errors, selectors } = analysePromql(rule.expr);
      expect(errors, rule.alert).toEqual([]);
      expect(selectors.length, rule.alert).toBeGreaterThan(0);
    }
  });

  it('every pending period is a Prometheus duration', () => {
    for (const rule of rules) if (rule.for !== undefined) expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
  });

  it('the parse can fail: a broken expression and a selector without a metric name are reported', () => {
    expect(analysePromql('sum(rate(http_requests_total[5m])').errors).not.toEqual([]);
    expect(analysePromql('max({service="users"})').errors).toEqual([
      'a selector without a metric name: {service="users"}',
    ]);
    expect(analysePromql('rate({__name__="http_requests_total", route="/x"}[5m])').selectors).toEqual([
      { metric: 'http_requests_total', labels: ['route'], equals: { route: '/x' } },
    ]);
  });
});
