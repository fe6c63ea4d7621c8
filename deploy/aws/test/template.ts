import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { CfnRole, Role } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/**
 * cdk-nag's AwsSolutions pack run over the stack, as `cdk synth` runs it: every finding that was not
 * acknowledged, as "rule (severity): resource".
 */
export function nagFindings(stack: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((v) =>
    v.violatingResources.map(
      (r) =>
        `${v.ruleName} (${v.severity ?? 'error'}): ${r.locations?.[0] ?? r.resourceLogicalId ?? r.templatePath}`,
    ),
  );
}

/** Every statement of every identity policy (AWS::IAM::Policy and inline role policies) in the template. */
export function allStatements(template: Template): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => p.Properties.PolicyDocument.Statement as Statement[],
  );
  const inline = Object.values(template.findResources('AWS::IAM::Role')).flatMap((r) =>
    ((r.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
      (p) => p.PolicyDocument.Statement,
    ),
  );
  return [...policies, ...inline];
}

/** The statements attached to one role. */
export function roleStatements(template: Template, stack: Stack, role: Role): Statement[] {
  const logicalId = stack.getLogicalId(role.node.defaultChild as CfnRole);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === logicalId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

export const actionsOf = (statements: Statement[]) =>
  [...new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])))].sort();

/** A resource reference, flattened to text so tests can ask "does this touch the lease table?". */
export const resourcesText = (statements: Statement[]) => JSON.stringify(statements.map((s) => s.Resource));

/** The variables a service config schema cannot do without: those it reports missing from an empty environment. */
export function requiredKeys(schema: {
  safeParse(env: object): { error?: { issues: { path: PropertyKey[] }[] } };
}) {
  const issues = schema.safeParse({}).error?.issues ?? [];
  return [...new Set(issues.map((i) => String(i.path[0])))].sort();
}

export interface ResourceStatement extends Statement {
  Sid?: string;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of the queue policies attached to one queue (by its logical id). */
export function queuePolicyStatements(template: Template, queueLogicalId: string): ResourceStatement[] {
  return Object.values(template.findResources('AWS::SQS::QueuePolicy'))
    .filter((p) => (p.Properties.Queues as { Ref?: string }[]).some((q) => q.Ref === queueLogicalId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as ResourceStatement[]);
}

/**
 * Whether a resource policy's Deny statements that name `action` refuse it to a principal (its ARN, or the
 * template reference that resolves to it). Evaluates only what these policies use: a `*` principal and ARN
 * equality conditions on aws:PrincipalArn; anything else throws, so an unexpected policy cannot pass unnoticed.
 * Statements on `sqs:*` (the TLS-only deny) are about transport, not principals, and are not considered.
 */
export function deniedTo(statements: ResourceStatement[], principalArn: unknown, action: string): boolean {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  return statements.some((s) => {
    if (s.Effect !== 'Deny' || ![s.Action].flat().includes(action)) return false;
    if (!same(s.Principal, '*') && !same(s.Principal, { AWS: '*' })) {
      throw new Error(`not evaluated: principal ${JSON.stringify(s.Principal)}`);
    }
    return Object.entries(s.Condition ?? {}).every(([operator, tests]) =>
      Object.entries(tests).every(([key, value]) => {
        if (key !== 'aws:PrincipalArn') throw new Error(`not evaluated: condition key ${key}`);
        const matches = [value].flat().some((v) => same(v, principalArn));
        if (operator === 'ArnNotEquals') return !matches;
        if (operator === 'ArnEquals') return matches;
        throw new Error(`not evaluated: condition ${operator}`);
      }),
    );
  });
}

/** One widget of a CloudWatch dashboard, with its metrics as `namespace name dimension=value` lines. */
export interface DashboardWidget {
  title: string;
  metrics: string[];
}

/**
 * The widgets of the stack's one CloudWatch dashboard. Its body is a JSON text joined around tokens
 * (`Ref`, `Fn::GetAtt`); each token is written as `ref:<logical id>` (`.attribute` for GetAtt) so the
 * text parses and a test can tell which resource a metric is about.
 */
export function dashboardWidgets(template: Template): DashboardWidget[] {
  const [dashboard, ...more] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  if (!dashboard || more.length > 0) throw new Error('expected exactly one dashboard');
  const body = dashboard.Properties.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
  const text =
    typeof body === 'string'
      ? body
      : body['Fn::Join'][1]
          .map((part) => {
            if (typeof part === 'string') return part;
            const token = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
            if (token.Ref) return `ref:${token.Ref}`;
            if (token['Fn::GetAtt']) return `ref:${token['Fn::GetAtt'].join('.')}`;
            throw new Error(`unexpected token ${JSON.stringify(part)}`);
          })
          .join(body['Fn::Join'][0]);
  const parsed = JSON.parse(text) as {
    widgets: { properties: { title?: string; markdown?: string; metrics?: unknown[][] } }[];
  };
  return parsed.widgets.map(({ properties }) => ({
    title: properties.title ?? properties.markdown ?? '',
    // A row is [namespace, name, dim, value, ..., {options}]; "." repeats the row above's field.
    metrics: (properties.metrics ?? []).map((row, i, rows) => {
      const fields = row.filter((f) => typeof f === 'string') as string[];
      const resolved = fields.map((f, j) => (f === '.' ? (rows[i - 1]?.[j] as string) : f));
      const [namespace, name, ...dims] = resolved;
      const pairs = [];
      for (let j = 0; j < dims.length; j += 2) pairs.push(`${dims[j]}=${dims[j + 1]}`);
      return [namespace, name, ...pairs].join(' ');
    }),
  }));
}
