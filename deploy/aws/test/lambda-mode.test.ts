import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DEFAULT_MESSAGE_TABLE,
  INBOX_BY_ACTIVITY_INDEX,
  MESSAGE_TTL_ATTRIBUTE,
  messageTableDefinition,
} from '@cruddur/ddb';
import { bundleService } from '@cruddur/deploy-docker/bundle';
import { leaseTableDefinition } from '@cruddur/stream-consumer';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { lambdaConfigSchema } from '../../../services/stream-consumer/src/config.ts';
import { buildApp } from '../src/app.ts';
import { DEFAULT_LEASE_TABLE, MAX_RECEIVE_COUNT } from '../src/data.ts';
import { MAX_RECORD_ATTEMPTS } from '../src/messaging-stack.ts';
import {
  actionsOf,
  allStatements,
  dashboardWidgets,
  deniedTo,
  nagFindings,
  queuePolicyStatements,
  requiredKeys,
  resourcesText,
  roleStatements,
} from './template.ts';

// One synth for the whole file: Lambda mode, with EKS Pod Identity associations for the container services.
const assetDir = mkdtempSync(join(tmpdir(), 'cruddur-cdk-lambda-'));
await bundleService('stream-consumer', assetDir, { entry: 'src/lambda.ts', outfile: 'index.mjs' });
const { stack } = buildApp({
  streamConsumer: 'lambda',
  streamConsumerLambdaCode: Code.fromAsset(assetDir),
  eksClusterName: 'cruddur',
  outdir: mkdtempSync(join(tmpdir(), 'cruddur-cdk-out-')),
});
const template = Template.fromStack(stack);

const ref = (construct: Parameters<typeof stack.getLogicalId>[0]) => stack.getLogicalId(construct);
const tableId = ref(stack.data.table.node.defaultChild as never);
const leaseTableId = ref(stack.data.leaseTable.node.defaultChild as never);
const streamDlqId = ref(stack.data.streamDlq.node.defaultChild as never);

describe('cdk-nag (AwsSolutions)', () => {
  it('reports no finding that is not acknowledged with a reason (errors and warnings alike)', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
  it('does report what it should (a plain queue and a wildcard grant), so the check above can fail', () => {
    const probe = new Stack(new App(), 'NagProbe');
    new Queue(probe, 'PlainQueue');
    new Role(probe, 'Wide', { assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com') }).addToPolicy(
      new PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }),
    );
    const findings = nagFindings(probe).join('\n');
    expect(findings).toContain('AwsSolutions-SQS4');
    expect(findings).toContain('AwsSolutions-IAM5[Action::dynamodb:*]');
  });
});

describe('tables', () => {
  it('the message table is the CreateTable definition the scripts use, plus PITR, deletion protection, retain', () => {
    const def = messageTableDefinition(DEFAULT_MESSAGE_TABLE);
    const [table] = Object.values(
      template.findResources('AWS::DynamoDB::Table', { Properties: { TableName: DEFAULT_MESSAGE_TABLE } }),
    );
    expect(table).toBeDefined();
    expect(table!.DeletionPolicy).toBe('Retain');
    expect(table!.Properties).toMatchObject({
      KeySchema: def.KeySchema,
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      LocalSecondaryIndexes: def.LocalSecondaryIndexes,
      // Idempotency records expire by themselves, as schema-load sets up locally.
      TimeToLiveSpecification: { AttributeName: MESSAGE_TTL_ATTRIBUTE, Enabled: true },
    });
    const byName = (a: { AttributeName?: string }, b: { AttributeName?: string }) =>
      String(a.AttributeName).localeCompare(String(b.AttributeName));
    expect([...table!.Properties.AttributeDefinitions].sort(byName)).toEqual(
      [...def.AttributeDefinitions!].sort(byName),
    );
    expect(table!.Properties.LocalSecondaryIndexes[0].IndexName).toBe(INBOX_BY_ACTIVITY_INDEX);
  });

  it('the lease table is keyed as the worker expects and protected the same way', () => {
    const def = leaseTableDefinition(DEFAULT_LEASE_TABLE);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        TableName: DEFAULT_LEASE_TABLE,
        KeySchema: def.KeySchema,
        AttributeDefinitions: def.AttributeDefinitions,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      },
    });
  });
});

describe('queues and topic', () => {
  it.each(['users-events', 'message-events'])(
    '%s redrives to %s-dlq after a bounded number of receives',
    (name) => {
      const queues = template.findResources('AWS::SQS::Queue');
      const dlqId = Object.entries(queues).find(([, q]) => q.Properties.QueueName === `${name}-dlq`)?.[0];
      expect(dlqId).toBeDefined();
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: name,
        SqsManagedSseEnabled: true,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
          maxReceiveCount: MAX_RECEIVE_COUNT,
        },
      });
    },
  );

  it('every queue is encrypted and refuses plain HTTP', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    expect(
      Object.values(queues)
        .map((q) => q.Properties.QueueName)
        .sort(),
    ).toEqual(['message-events', 'message-events-dlq', 'stream-dlq', 'users-events', 'users-events-dlq']);
    for (const q of Object.values(queues)) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    const denyingInsecure = policies.flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as { Effect: string; Condition?: unknown }[]).filter(
        (s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('aws:SecureTransport'),
      ),
    );
    expect(denyingInsecure.length).toBeGreaterThanOrEqual(Object.keys(queues).length);
  });

  it('the message-events topic fans out to its durable queue with raw delivery', () => {
    const queueId = ref(stack.data.messageEvents.queue.node.defaultChild as never);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      RawMessageDelivery: true,
      Endpoint: { 'Fn::GetAtt': [queueId, 'Arn'] },
    });
    const [topic] = Object.values(template.findResources('AWS::SNS::Topic'));
    expect(topic?.Properties.TopicName).toBe('message-events');
    expect(JSON.stringify(topic?.Properties.KmsMasterKeyId)).toContain('alias/aws/sns');
  });
});

describe('user events: only the users service can put them on users-events', () => {
  const usersEventsId = ref(stack.data.usersEvents.queue.node.defaultChild as never);
  const usersEventsDlqId = ref(stack.data.usersEvents.dlq.node.defaultChild as never);
  const arnOf = (role: { node: { defaultChild?: unknown } }) => ({
    'Fn::GetAtt': [ref(role.node.defaultChild as never), 'Arn'],
  });
  const sendsTo = (role: Parameters<typeof roleStatements>[2]) =>
    resourcesText(
      roleStatements(template, stack, role).filter((s) => [s.Action].flat().includes('sqs:SendMessage')),
    );

  it('the queue policy denies sqs:SendMessage to every principal except the users service role', () => {
    const statements = queuePolicyStatements(template, usersEventsId);
    const denySend = statements.filter(
      (s) => s.Effect === 'Deny' && [s.Action].flat().includes('sqs:SendMessage'),
    );
    expect(denySend).toHaveLength(1);
    expect(denySend[0]).toMatchObject({
      Principal: { AWS: '*' },
      Resource: { 'Fn::GetAtt': [usersEventsId, 'Arn'] },
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': arnOf(stack.roles.users!) } },
    });
    expect(deniedTo(statements, arnOf(stack.roles.users!), 'sqs:SendMessage')).toBe(false);
    for (const other of [stack.roles.gateway!, stack.roles.messaging!, stack.streamFunction!.role!]) {
      expect(deniedTo(statements, arnOf(other), 'sqs:SendMessage'), other.node.path).toBe(true);
    }
    expect(deniedTo(statements, 'arn:aws:iam::123456789012:role/Admin', 'sqs:SendMessage')).toBe(true);
    // Consuming the queue is untouched: messaging still receives and deletes.
    expect(deniedTo(statements, arnOf(stack.roles.messaging!), 'sqs:ReceiveMessage')).toBe(false);
    // The one principal let through still needs (and has) its own grant.
    expect(sendsTo(stack.roles.users!)).toContain(usersEventsId);
  });

  it('the evaluation would notice a missing or widened exception (so the test above can fail)', () => {
    const deny = queuePolicyStatements(template, usersEventsId).find(
      (s) => s.Sid === 'OnlyTheUsersServiceSendsUserEvents',
    );
    const without = { ...deny!, Condition: undefined };
    expect(deniedTo([without], arnOf(stack.roles.users!), 'sqs:SendMessage')).toBe(true);
    const widened = {
      ...deny!,
      Condition: {
        ArnNotEquals: { 'aws:PrincipalArn': [arnOf(stack.roles.users!), arnOf(stack.roles.gateway!)] },
      },
    };
    expect(deniedTo([widened], arnOf(stack.roles.gateway!), 'sqs:SendMessage')).toBe(false);
    expect(() =>
      deniedTo([{ ...deny!, Principal: { AWS: 'arn:aws:iam::1:root' } }], 'x', 'sqs:SendMessage'),
    ).toThrow();
  });

  it('messaging may set poisoned user events aside in the DLQ, but cannot send user events', () => {
    expect(sendsTo(stack.roles.messaging!)).toContain(usersEventsDlqId);
    // ...and may read its depth, which it reports on /metrics.
    const reads = roleStatements(template, stack, stack.roles.messaging!).filter((s) =>
      [s.Action].flat().includes('sqs:GetQueueAttributes'),
    );
    expect(resourcesText(reads)).toContain(usersEventsDlqId);
    expect(sendsTo(stack.roles.messaging!)).not.toContain(`"${usersEventsId}"`);
    // The gateway sends typing and presence pushes to replica queues, nothing else.
    expect(sendsTo(stack.roles.gateway!)).toContain('message-events-gw-*');
    expect(sendsTo(stack.roles.gateway!)).not.toContain(usersEventsId);
    const outputs = template.findOutputs('UsersEventsDlqUrl');
    expect(Object.values(outputs)[0]?.Value).toEqual({ Ref: usersEventsDlqId });
  });
});

describe('stream consumer as a Lambda handler', () => {
  it('reads the table stream with bisect on error, partial batch responses and an on-failure destination', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: MAX_RECORD_ATTEMPTS,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [streamDlqId, 'Arn'] } } },
    });
  });

  it('runs the bundled services/stream-consumer/src/lambda.ts handler on Node 24', async () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Environment: {
        Variables: {
          DDB_MESSAGE_TABLE: { Ref: tableId },
          STREAM_DLQ_URL: { Ref: streamDlqId },
        },
      },
    });
    const bundle = join(assetDir, 'index.mjs');
    expect(existsSync(bundle)).toBe(true);
    const mod = (await import(pathToFileURL(bundle).href)) as { handler?: unknown };
    expect(typeof mod.handler).toBe('function');
  });

  it('gives the handler every variable its config schema requires', () => {
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    const env = fn?.Properties.Environment.Variables as Record<string, unknown>;
    expect(requiredKeys(lambdaConfigSchema)).toContain('STREAM_DLQ_URL');
    expect(Object.keys(env)).toEqual(expect.arrayContaining(requiredKeys(lambdaConfigSchema)));
  });

  it('the function role can read the stream and dead-letter, but has no lease table and no queue reads', () => {
    const statements = roleStatements(template, stack, stack.streamFunction!.role as never);
    expect(actionsOf(statements)).toEqual(
      [
        'dynamodb:BatchGetItem', // the connection registry (targeted delivery), a receipt's audience's settings
        'dynamodb:BatchWriteItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:DescribeStream',
        'dynamodb:DescribeTable',
        'dynamodb:GetItem',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:ListStreams',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sns:Publish',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl', // the on-failure destination's grant
        'sqs:SendMessage',
      ].sort(),
    );
    expect(resourcesText(statements)).not.toContain(leaseTableId);
    // The connection registry is read only: user lookups, and the REPLICAS index for user.deleted.
    const registryId = ref(stack.data.connectionTable.node.defaultChild as never);
    const registry = statements.filter((st) => JSON.stringify(st.Resource).includes(registryId));
    expect(actionsOf(registry)).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem']);
  });
});

describe('operations', () => {
  it('alarms when a dead-letter queue holds anything and when the Lambda falls behind the stream', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    const dlqAlarms = alarms.filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible');
    const queueIds = [stack.data.usersEvents.dlq, stack.data.messageEvents.dlq, stack.data.streamDlq].map(
      (q) => ref(q.node.defaultChild as never),
    );
    expect(JSON.stringify(dlqAlarms.map((a) => a.Dimensions))).toContain(queueIds[0]);
    for (const id of queueIds) expect(JSON.stringify(dlqAlarms), id).toContain(id);
    expect(dlqAlarms.every((a) => a.Threshold === 0)).toBe(true);
    expect(alarms.some((a) => a.MetricName === 'IteratorAge' && a.Namespace === 'AWS/Lambda')).toBe(true);
  });

  it('has a CloudWatch dashboard: iterator age, Lambda errors and throttles, every dead-letter queue, table throttles', () => {
    const metrics = dashboardWidgets(template).flatMap((w) => w.metrics);
    const fn = `FunctionName=ref:${ref(stack.streamFunction!.node.defaultChild as never)}`;
    expect(metrics).toEqual(
      expect.arrayContaining([
        `AWS/Lambda IteratorAge ${fn}`,
        `AWS/Lambda Errors ${fn}`,
        `AWS/Lambda Throttles ${fn}`,
        ...[tableId, leaseTableId].flatMap((id) => [
          `AWS/DynamoDB ReadThrottleEvents TableName=ref:${id}`,
          `AWS/DynamoDB WriteThrottleEvents TableName=ref:${id}`,
        ]),
      ]),
    );
    // Every queue that has a dead-letter alarm is on the dashboard too, and nothing else under that metric.
    const alarmed = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .map((a) => a.Properties)
      .filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')
      .map(
        (a) =>
          `AWS/SQS ApproximateNumberOfMessagesVisible QueueName=ref:${a.Dimensions[0].Value['Fn::GetAtt'].join('.')}`,
      );
    expect(alarmed).toHaveLength(3);
    expect(metrics.filter((m) => m.includes('ApproximateNumberOfMessagesVisible')).sort()).toEqual(
      alarmed.sort(),
    );
    const outputs = template.findOutputs('DashboardName');
    expect(Object.values(outputs)[0]?.Value).toEqual({
      Ref: ref(stack.dashboard.node.defaultChild as never),
    });
  });
});

describe('least privilege', () => {
  it('no statement anywhere grants a wildcard action', () => {
    for (const s of allStatements(template)) {
      for (const action of [s.Action].flat()) expect(action).not.toMatch(/\*/);
    }
  });

  it('a "*" resource appears only for actions IAM cannot scope (ListStreams)', () => {
    const star = allStatements(template).filter((s) => [s.Resource].flat().includes('*'));
    expect(actionsOf(star)).toEqual(['dynamodb:ListStreams']);
  });

  it('each service role holds only its own service permissions', () => {
    const of = (name: 'gateway' | 'users' | 'messaging') =>
      roleStatements(template, stack, stack.roles[name]!);
    expect(actionsOf(of('users'))).toEqual(['sqs:GetQueueAttributes', 'sqs:SendMessage']);
    // Besides its queue: the connection registry, and no other table.
    const gatewayTables = of('gateway').filter((st) =>
      [st.Action].flat().some((a) => String(a).startsWith('dynamodb:')),
    );
    expect(actionsOf(gatewayTables)).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(resourcesText(gatewayTables)).toContain(
      ref(stack.data.connectionTable.node.defaultChild as never),
    );
    expect(resourcesText(gatewayTables)).not.toContain(tableId);
    expect(
      actionsOf(of('gateway')).filter(
        (a) => !a.startsWith('sqs:') && !a.startsWith('sns:') && !a.startsWith('dynamodb:'),
      ),
    ).toEqual([]);
    expect(actionsOf(of('gateway'))).not.toContain('sns:Publish');
    expect(resourcesText(of('gateway'))).toContain('message-events-gw-*');
    expect(actionsOf(of('messaging'))).not.toContain('sns:Publish');
    expect(actionsOf(of('messaging'))).not.toContain('dynamodb:Scan');
    expect(resourcesText(of('messaging'))).not.toContain(leaseTableId);
    expect(resourcesText(of('users'))).not.toContain(tableId);
    // Lambda mode: no worker role at all.
    expect(stack.roles['stream-consumer']).toBeUndefined();
  });

  it('container service roles are assumable by EKS Pod Identity and bound to their service accounts', () => {
    const associations = Object.values(template.findResources('AWS::EKS::PodIdentityAssociation'));
    expect(associations.map((a) => a.Properties.ServiceAccount).sort()).toEqual([
      'gateway',
      'messaging',
      'users',
    ]);
    for (const a of associations)
      expect(a.Properties).toMatchObject({ ClusterName: 'cruddur', Namespace: 'cruddur' });
    const gatewayRole =
      template.findResources('AWS::IAM::Role')[ref(stack.roles.gateway!.node.defaultChild as never)];
    expect(JSON.stringify(gatewayRole?.Properties.AssumeRolePolicyDocument)).toContain(
      'pods.eks.amazonaws.com',
    );
    expect(JSON.stringify(gatewayRole?.Properties.AssumeRolePolicyDocument)).toContain('sts:TagSession');
  });

  it('the stack is environment-agnostic (no account or region baked in, so it synthesizes offline)', () => {
    expect(stack.account).toMatch(/^\$\{Token/);
    expect(stack.region).toMatch(/^\$\{Token/);
  });
});
