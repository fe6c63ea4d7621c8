import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { MessagingData } from './data.ts';

export interface OperationsDashboardProps {
  data: MessagingData;
  /** Lambda mode: the stream consumer function. */
  streamFunction?: lambda.Function | undefined;
  /** ECS mode: the worker service, and the lag metric it is scaled on. */
  workerService?: ecs.FargateService | undefined;
  lagMetric?: { namespace: string; metricName: string };
}

const period = Duration.minutes(1);
const WIDTH = 12;
const HEIGHT = 6;

/**
 * The CloudWatch side of operating the stack (the Lambda/ECS path, where no Prometheus scrapes the
 * worker): how far the stream consumer is behind, whether it fails or is throttled, what waits in each
 * dead-letter queue, and whether the tables throttle. The services on Kubernetes have the Grafana
 * dashboard (deploy/monitoring) for the rest.
 */
export function operationsDashboard(scope: Construct, id: string, props: OperationsDashboardProps) {
  const { data, streamFunction, workerService, lagMetric } = props;
  const dashboard = new cloudwatch.Dashboard(scope, id, {
    defaultInterval: Duration.hours(3),
    periodOverride: cloudwatch.PeriodOverride.AUTO,
  });

  if (streamFunction) {
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Stream consumer iterator age (how far behind the table stream)',
        left: [streamFunction.metric('IteratorAge', { statistic: 'Maximum', period })],
        leftAnnotations: [{ value: 60_000, label: 'alarm: one minute' }],
        leftYAxis: { min: 0, label: 'ms', showUnits: false },
        width: WIDTH,
        height: HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: 'Stream consumer Lambda errors and throttles',
        left: [
          streamFunction.metricErrors({ statistic: 'Sum', period }),
          streamFunction.metricThrottles({ statistic: 'Sum', period }),
        ],
        right: [streamFunction.metricInvocations({ statistic: 'Sum', period })],
        leftYAxis: { min: 0 },
        rightYAxis: { min: 0 },
        width: WIDTH,
        height: HEIGHT,
      }),
    );
  }
  if (workerService && lagMetric) {
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Stream worker lag (the metric the workers scale on)',
        left: [new cloudwatch.Metric({ ...lagMetric, statistic: 'Maximum', period })],
        leftYAxis: { min: 0, label: 'ms', showUnits: false },
        width: WIDTH,
        height: HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: 'Stream workers: CPU and memory',
        left: [
          workerService.metricCpuUtilization({ period }),
          workerService.metricMemoryUtilization({ period }),
        ],
        leftYAxis: { min: 0, max: 100, label: '%', showUnits: false },
        width: WIDTH,
        height: HEIGHT,
      }),
    );
  }

  const deadLetterQueues: [string, sqs.Queue][] = [
    ['users-events-dlq', data.usersEvents.dlq],
    ['message-events-dlq', data.messageEvents.dlq],
    ['stream-dlq', data.streamDlq],
  ];
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Dead-letter queue depth (each message waits for an operator)',
      left: deadLetterQueues.map(([label, queue]) =>
        queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period, label }),
      ),
      leftYAxis: { min: 0 },
      width: WIDTH,
      height: HEIGHT,
    }),
    new cloudwatch.GraphWidget({
      title: 'Queue backlog: age of the oldest message',
      left: [
        data.usersEvents.queue.metricApproximateAgeOfOldestMessage({
          statistic: 'Maximum',
          period,
          label: 'users-events',
        }),
        data.messageEvents.queue.metricApproximateAgeOfOldestMessage({
          statistic: 'Maximum',
          period,
          label: 'message-events',
        }),
      ],
      leftYAxis: { min: 0, label: 's', showUnits: false },
      width: WIDTH,
      height: HEIGHT,
    }),
  );

  const throttles = (table: dynamodb.Table, name: string) => [
    table.metric('ReadThrottleEvents', { statistic: 'Sum', period, label: `${name} reads` }),
    table.metric('WriteThrottleEvents', { statistic: 'Sum', period, label: `${name} writes` }),
  ];
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'DynamoDB throttled requests (on-demand tables: a sudden burst or a hot partition)',
      left: [...throttles(data.table, 'messages'), ...throttles(data.leaseTable, 'leases')],
      leftYAxis: { min: 0 },
      width: 2 * WIDTH,
      height: HEIGHT,
    }),
  );
  return dashboard;
}
