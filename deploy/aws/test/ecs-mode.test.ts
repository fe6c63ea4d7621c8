import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { streamConsumerConfigSchema } from '../../../services/stream-consumer/src/config.ts';
import { buildApp } from '../src/app.ts';
import { LAG_METRIC, MAX_RECORD_ATTEMPTS } from '../src/messaging-stack.ts';
import {
  actionsOf,
  allStatements,
  dashboardWidgets,
  nagFindings,
  requiredKeys,
  resourcesText,
  roleStatements,
} from './template.ts';

// One synth for the whole file: the lease-coordinated worker as a Fargate service.
const { stack } = buildApp({
  streamConsumer: 'ecs',
  streamConsumerImage: { repositoryName: 'cruddur/stream-consumer', tag: 'v1' },
  maxWorkers: 6,
  outdir: mkdtempSync(join(tmpdir(), 'cruddur-cdk-out-')),
});
const template = Template.fromStack(stack);
const ref = (construct: unknown) => stack.getLogicalId(construct as never);
const workerRole = stack.roles['stream-consumer']!;

describe('stream consumer as a container service (ECS Fargate)', () => {
  it('cdk-nag (AwsSolutions) reports no finding that is not acknowledged with a reason', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  it('runs the worker image with its task role, the lease table and a /healthz health check', () => {
    const [task] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
    expect(task?.Properties.TaskRoleArn).toEqual({
      'Fn::GetAtt': [ref(workerRole.node.defaultChild), 'Arn'],
    });
    const [container] = task?.Properties.ContainerDefinitions ?? [];
    const env = Object.fromEntries(
      (container.Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]),
    );
    expect(env).toMatchObject({
      PORT: '4573',
      DDB_LEASE_TABLE: { Ref: ref(stack.data.leaseTable.node.defaultChild) },
      MAX_RECORD_ATTEMPTS: String(MAX_RECORD_ATTEMPTS),
    });
    expect(env).not.toHaveProperty('WORKER_ID');
    expect(requiredKeys(streamConsumerConfigSchema)).toContain('STREAM_DLQ_URL');
    expect(Object.keys(env)).toEqual(expect.arrayContaining(requiredKeys(streamConsumerConfigSchema)));
    expect(JSON.stringify(container.HealthCheck.Command)).toContain('/healthz');
    expect(JSON.stringify(container.Image)).toContain('cruddur/stream-consumer:v1');
    expect(container.ReadonlyRootFilesystem).toBe(true);
  });

  it('no event-source mapping and no Lambda: the workers poll the stream themselves', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    template.resourceCountIs('AWS::Lambda::Function', 0);
  });

  it('scales the workers on lag (step scaling on the iterator age) and on CPU, between 1 and maxWorkers', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 1,
      MaxCapacity: 6,
    });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.some((a) => a.Properties.MetricName === LAG_METRIC.metricName)).toBe(true);
    const policies = Object.values(template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy'));
    expect(policies.map((p) => p.Properties.PolicyType).sort()).toEqual([
      'StepScaling',
      'StepScaling',
      'TargetTrackingScaling',
    ]);
  });

  it('the CloudWatch dashboard shows the lag the workers scale on, their CPU and memory, and no Lambda', () => {
    const metrics = dashboardWidgets(template).flatMap((w) => w.metrics);
    expect(metrics).toContain(`${LAG_METRIC.namespace} ${LAG_METRIC.metricName}`);
    expect(metrics.filter((m) => m.startsWith('AWS/ECS ')).map((m) => m.split(' ')[1])).toEqual([
      'CPUUtilization',
      'MemoryUtilization',
    ]);
    expect(metrics.filter((m) => m.startsWith('AWS/Lambda '))).toEqual([]);
    expect(metrics.filter((m) => m.includes('ApproximateNumberOfMessagesVisible'))).toHaveLength(3);
  });

  it('the worker role adds the lease table and the stream to the record handler permissions, nothing more', () => {
    const statements = roleStatements(template, stack, workerRole);
    expect(actionsOf(statements)).toEqual(
      [
        'dynamodb:BatchGetItem', // the connection registry (targeted delivery), a receipt's audience's settings
        'dynamodb:BatchWriteItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:DeleteItem',
        'dynamodb:DescribeStream',
        'dynamodb:DescribeTable',
        'dynamodb:GetItem',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:ListStreams',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:Scan',
        'dynamodb:UpdateItem',
        'sns:Publish',
        'sqs:GetQueueAttributes',
        'sqs:SendMessage',
      ].sort(),
    );
    const scan = statements.filter((s) => [s.Action].flat().includes('dynamodb:Scan'));
    expect(resourcesText(scan)).toContain(ref(stack.data.leaseTable.node.defaultChild));
    expect(resourcesText(scan)).not.toContain(ref(stack.data.table.node.defaultChild));
  });

  it('no wildcard action anywhere, "*" resources only where IAM has no resource level', () => {
    const all = allStatements(template);
    for (const s of all) for (const a of [s.Action].flat()) expect(a).not.toMatch(/\*/);
    const star = all.filter((s) => [s.Resource].flat().includes('*'));
    expect(actionsOf(star)).toEqual(['dynamodb:ListStreams', 'ecr:GetAuthorizationToken']);
  });
});
