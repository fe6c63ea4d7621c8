import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  grantGateway,
  grantMessaging,
  grantStreamRead,
  grantStreamRecordHandler,
  grantStreamWorker,
  grantUsers,
  onlyUsersSendUserEvents,
} from './access.ts';
import { operationsDashboard } from './dashboard.ts';
import { MessagingData } from './data.ts';

/**
 * Where the stream consumer runs:
 * - `lambda`: the Lambda handler behind an event-source mapping (bisect on error, partial batch responses,
 *   on-failure destination). AWS runs one invocation per shard; nothing to scale by hand.
 * - `ecs`: the lease-coordinated worker as a Fargate service, scaled on its lag metric and CPU.
 * - `eks`: the worker runs in Kubernetes (deploy/k8s, scaled by KEDA); this stack only makes its role.
 */
export type StreamConsumerMode = 'lambda' | 'ecs' | 'eks';

/** The services that run as containers and get a role each. */
export const SERVICE_ROLES = ['gateway', 'users', 'messaging', 'stream-consumer'] as const;
export type ServiceRoleName = (typeof SERVICE_ROLES)[number];

export interface CruddurMessagingStackProps extends StackProps {
  streamConsumer: StreamConsumerMode;
  /** The bundled Lambda handler (deploy/docker/src/bundle.ts, entry src/lambda.ts, file index.mjs). Lambda mode only. */
  streamConsumerLambdaCode?: lambda.Code;
  /** ECR repository and tag of the stream-consumer image (the Dockerfile's `stream-consumer` target). ECS mode only. */
  streamConsumerImage?: { repositoryName: string; tag: string };
  /** Upper bound on worker tasks in ECS mode; more workers than shards only stand by. */
  maxWorkers?: number;
  /** When set, each service role is associated with the service account of the same name in `namespace` (EKS Pod Identity). */
  eksClusterName?: string;
  eksNamespace?: string;
  tableName?: string;
  leaseTableName?: string;
  logLevel?: string;
}

/** How many times a failing record is retried before it goes to the stream DLQ (MAX_RECORD_ATTEMPTS). */
export const MAX_RECORD_ATTEMPTS = 5;
/** The namespace and name the worker publishes its lag under (CloudWatch embedded metric format). */
export const LAG_METRIC = { namespace: 'Cruddur/StreamConsumer', metricName: 'IteratorAgeMilliseconds' };

const HEALTHZ = (port: number) =>
  `fetch('http://127.0.0.1:${port}/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`;

export class CruddurMessagingStack extends Stack {
  readonly data: MessagingData;
  readonly roles: Partial<Record<ServiceRoleName, iam.Role>> = {};
  streamFunction?: lambda.Function;
  workerService?: ecs.FargateService;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: CruddurMessagingStackProps) {
    super(scope, id, props);
    this.data = new MessagingData(this, 'Data', {
      ...(props.tableName ? { tableName: props.tableName } : {}),
      ...(props.leaseTableName ? { leaseTableName: props.leaseTableName } : {}),
    });
    const data = this.data;

    // One role per service, assumable by EKS Pod Identity (the Kubernetes deployment) and by ECS tasks.
    const grants: Record<ServiceRoleName, (role: iam.Role) => void> = {
      gateway: (r) => grantGateway(r, data),
      users: (r) => grantUsers(r, data),
      messaging: (r) => grantMessaging(r, data),
      'stream-consumer': (r) => grantStreamWorker(r, data),
    };
    for (const name of SERVICE_ROLES) {
      if (name === 'stream-consumer' && props.streamConsumer === 'lambda') continue;
      const role = new iam.Role(this, `${pascal(name)}Role`, {
        description: `cruddur ${name}: least-privilege access for the ${name} service`,
        assumedBy: new iam.CompositePrincipal(
          new iam.SessionTagsPrincipal(new iam.ServicePrincipal('pods.eks.amazonaws.com')),
          new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
        ),
        maxSessionDuration: Duration.hours(1),
      });
      grants[name](role);
      this.roles[name] = role;
      if (name === 'gateway') {
        acknowledge(
          role,
          'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:message-events-gw-*]',
          'Each gateway replica creates, reads and deletes its own SSE queue, named message-events-gw-<replica id> at start; the prefix is the narrowest name known in advance.',
        );
      }
      if (name === 'stream-consumer') {
        acknowledge(
          role,
          'AwsSolutions-IAM5[Resource::*]',
          'dynamodb:ListStreams has no resource-level permissions; it returns stream ARNs only, no data.',
        );
        acknowledgeReplicaQueues(role);
      }
      new CfnOutput(this, `${pascal(name)}RoleArn`, { value: role.roleArn });
      if (props.eksClusterName) {
        new eks.CfnPodIdentityAssociation(this, `${pascal(name)}PodIdentity`, {
          clusterName: props.eksClusterName,
          namespace: props.eksNamespace ?? 'cruddur',
          serviceAccount: name,
          roleArn: role.roleArn,
        });
      }
    }

    onlyUsersSendUserEvents(data, this.roles.users!);

    if (props.streamConsumer === 'lambda') this.streamFunction = this.lambdaConsumer(props);
    if (props.streamConsumer === 'ecs') this.workerService = this.ecsConsumer(props);

    // Anything in a dead-letter queue needs an operator; these alarms are what to wire to paging (alarm actions).
    const deadLetterQueues = {
      UsersEventsDlq: data.usersEvents.dlq,
      MessageEventsDlq: data.messageEvents.dlq,
      StreamDlq: data.streamDlq,
    };
    for (const [id, queue] of Object.entries(deadLetterQueues)) {
      new cloudwatch.Alarm(this, `${id}NotEmpty`, {
        alarmDescription: `${queue.node.path}: messages are waiting for an operator`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    this.dashboard = operationsDashboard(this, 'OperationsDashboard', {
      data,
      streamFunction: this.streamFunction,
      workerService: this.workerService,
      lagMetric: LAG_METRIC,
    });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboardName });

    new CfnOutput(this, 'MessageTableName', { value: data.table.tableName });
    new CfnOutput(this, 'MessageTableStreamArn', { value: data.table.tableStreamArn! });
    new CfnOutput(this, 'LeaseTableName', { value: data.leaseTable.tableName });
    new CfnOutput(this, 'ConnectionTableName', { value: data.connectionTable.tableName });
    new CfnOutput(this, 'UsersEventsQueueUrl', { value: data.usersEvents.queue.queueUrl });
    new CfnOutput(this, 'UsersEventsDlqUrl', { value: data.usersEvents.dlq.queueUrl });
    new CfnOutput(this, 'MessageEventsTopicArn', { value: data.messageEventsTopic.topicArn });
    new CfnOutput(this, 'MessageEventsQueueUrl', { value: data.messageEvents.queue.queueUrl });
    new CfnOutput(this, 'StreamDlqUrl', { value: data.streamDlq.queueUrl });

    acknowledge(
      data.streamDlq,
      'AwsSolutions-SQS3',
      'stream-dlq is itself a dead-letter queue: the stream consumer (and the event-source mapping on-failure destination) writes records it gave up on here.',
    );
  }

  private workerEnvironment(props: CruddurMessagingStackProps): Record<string, string> {
    return {
      LOG_LEVEL: props.logLevel ?? 'info',
      DDB_MESSAGE_TABLE: this.data.table.tableName,
      MESSAGE_EVENTS_TOPIC_ARN: this.data.messageEventsTopic.topicArn,
      DDB_CONNECTION_TABLE: this.data.connectionTable.tableName,
      STREAM_DLQ_URL: this.data.streamDlq.queueUrl,
    };
  }

  private lambdaConsumer(props: CruddurMessagingStackProps): lambda.Function {
    if (!props.streamConsumerLambdaCode)
      throw new Error('streamConsumer=lambda needs streamConsumerLambdaCode');
    const logGroup = new logs.LogGroup(this, 'StreamConsumerLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An explicit role instead of AWSLambdaBasicExecutionRole: logs to this one group, nothing else by default.
    const role = new iam.Role(this, 'StreamConsumerFunctionRole', {
      description:
        'cruddur stream-consumer Lambda: read the table stream, move inbox rows, publish, dead-letter',
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    grantStreamRecordHandler(role, this.data);
    grantStreamRead(role, this.data);

    const fn = new lambda.Function(this, 'StreamConsumerFunction', {
      description:
        'DynamoDB stream records to inbox rows and message-events (services/stream-consumer/src/lambda.ts)',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: props.streamConsumerLambdaCode,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      memorySize: 512,
      timeout: Duration.seconds(60),
      environment: {
        ...this.workerEnvironment(props),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    fn.node.addDependency(role);

    new lambda.EventSourceMapping(this, 'StreamConsumerMapping', {
      target: fn,
      eventSourceArn: this.data.table.tableStreamArn!,
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      // A failing batch is split in halves until the bad record is alone; the handler also reports the exact
      // record (partial batch response), so good records are not retried with it.
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: MAX_RECORD_ATTEMPTS,
      maxRecordAge: Duration.days(1),
      // Metadata of batches that still fail lands in stream-dlq beside the handler's own dead letters.
      onFailure: new SqsDlq(this.data.streamDlq),
    });
    new CfnOutput(this, 'StreamConsumerFunctionName', { value: fn.functionName });
    // The Lambda side of "lag": how old the newest record handled was. Inbox rows trail messages by this much.
    new cloudwatch.Alarm(this, 'StreamConsumerIteratorAge', {
      alarmDescription: 'The stream consumer Lambda is more than a minute behind the table stream',
      metric: fn.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 60_000,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'dynamodb:ListStreams has no resource-level permissions; it returns stream ARNs only, no data.',
    );
    acknowledgeReplicaQueues(role);
    return fn;
  }

  private ecsConsumer(props: CruddurMessagingStackProps): ecs.FargateService {
    const image = props.streamConsumerImage;
    if (!image) throw new Error('streamConsumer=ecs needs streamConsumerImage');
    const role = this.roles['stream-consumer']!;
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      flowLogs: { rejected: { trafficType: ec2.FlowLogTrafficType.REJECT } },
    });
    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const logGroup = new logs.LogGroup(this, 'WorkerLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const task = new ecs.FargateTaskDefinition(this, 'WorkerTask', {
      cpu: 512,
      memoryLimitMiB: 1024,
      taskRole: role,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    task.addContainer('worker', {
      image: ecs.ContainerImage.fromEcrRepository(
        ecr.Repository.fromRepositoryName(this, 'WorkerRepository', image.repositoryName),
        image.tag,
      ),
      environment: {
        ...this.workerEnvironment(props),
        // Lambda sets AWS_REGION itself (and refuses it); ECS tasks need it spelled out.
        AWS_REGION: this.region,
        PORT: '4573',
        DDB_LEASE_TABLE: this.data.leaseTable.tableName,
        MAX_RECORD_ATTEMPTS: String(MAX_RECORD_ATTEMPTS),
      },
      portMappings: [{ containerPort: 4573 }],
      healthCheck: { command: ['CMD', 'node', '-e', HEALTHZ(4573)], startPeriod: Duration.seconds(15) },
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'stream-consumer', logGroup }),
      readonlyRootFilesystem: true,
      // SIGTERM, then this long to checkpoint and release leases before SIGKILL.
      stopTimeout: Duration.seconds(30),
    });
    const service = new ecs.FargateService(this, 'WorkerService', {
      cluster,
      taskDefinition: task,
      desiredCount: 2,
      minHealthyPercent: 50,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
      assignPublicIp: false,
    });

    // Lag first: the age of the newest record handled, published by the worker. CPU as a backstop.
    const scaling = service.autoScaleTaskCount({ minCapacity: 1, maxCapacity: props.maxWorkers ?? 8 });
    scaling.scaleOnMetric('ScaleOnLag', {
      metric: new cloudwatch.Metric({ ...LAG_METRIC, statistic: 'Maximum', period: Duration.minutes(1) }),
      scalingSteps: [
        { upper: 5_000, change: -1 },
        { lower: 30_000, change: +1 },
        { lower: 120_000, change: +3 },
      ],
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      cooldown: Duration.minutes(2),
    });
    scaling.scaleOnCpuUtilization('ScaleOnCpu', { targetUtilizationPercent: 60 });

    acknowledge(
      task,
      'AwsSolutions-ECS2',
      'The environment holds only resource names, ARNs and URLs (no secrets); the worker authenticates with its task role.',
    );
    acknowledge(
      task,
      'AwsSolutions-IAM5[Resource::*]',
      'ecr:GetAuthorizationToken has no resource-level permissions (execution role, image pull only).',
    );
    return service;
  }
}

/** A cdk-nag finding accepted on purpose, with the reason beside the construct it concerns. */
function acknowledge(scope: Construct, id: string, reason: string) {
  Validations.of(scope).acknowledge({ id, reason });
}

/** Targeted delivery sends to whichever replicas hold the recipients; their queues are known only by prefix. */
function acknowledgeReplicaQueues(scope: Construct) {
  acknowledge(
    scope,
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:message-events-gw-*]',
    'Pushes go to the queues of the gateway replicas holding a recipient (message-events-gw-<replica id>, created by each replica); the prefix is the narrowest name known in advance.',
  );
}

function pascal(name: string): string {
  return name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
}
