import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  ListUserPoolClientsCommand,
  paginateListUserPools,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  type SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** How many receives before SQS moves a message to its dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;

export interface QueueWithDlq {
  url: string;
  arn: string;
  dlqUrl: string;
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return attrs.Attributes!.QueueArn!;
}

/** Creates (or finds: CreateQueue with the same attributes is idempotent) a queue with its dead-letter queue. */
export async function ensureQueueWithDlq(
  sqs: SQSClient,
  name: string,
  visibilityTimeoutSeconds = 30,
): Promise<QueueWithDlq> {
  const dlq = await sqs.send(
    new CreateQueueCommand({ QueueName: `${name}-dlq`, Attributes: { MessageRetentionPeriod: '1209600' } }),
  );
  const dlqArn = await queueArn(sqs, dlq.QueueUrl!);
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: MAX_RECEIVE_COUNT }),
      },
    }),
  );
  return { url: queue.QueueUrl!, arn: await queueArn(sqs, queue.QueueUrl!), dlqUrl: dlq.QueueUrl! };
}

export async function ensureQueue(sqs: SQSClient, name: string): Promise<{ url: string; arn: string }> {
  const queue = await sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: { MessageRetentionPeriod: '1209600' } }),
  );
  return { url: queue.QueueUrl!, arn: await queueArn(sqs, queue.QueueUrl!) };
}

/** Creates the topic (idempotent) and subscribes the queue with raw delivery unless it already is. */
export async function ensureTopicFanout(
  sns: SNSClient,
  topicName: string,
  queueArns: string[],
): Promise<string> {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: topicName }));
  const existing = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
  const subscribed = new Set((existing.Subscriptions ?? []).map((s) => s.Endpoint));
  for (const arn of queueArns) {
    if (subscribed.has(arn)) continue;
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: arn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
  }
  return TopicArn!;
}

export interface UserPool {
  userPoolId: string;
  clientId: string;
}

/** Finds the user pool and web client by name, creating what is missing, so re-runs reuse them. */
export async function ensureUserPool(
  cognito: CognitoIdentityProviderClient,
  poolName: string,
): Promise<UserPool> {
  let userPoolId: string | undefined;
  for await (const page of paginateListUserPools({ client: cognito }, { MaxResults: 60 })) {
    userPoolId ??= page.UserPools?.find((p) => p.Name === poolName)?.Id;
  }
  userPoolId ??= (await cognito.send(new CreateUserPoolCommand({ PoolName: poolName }))).UserPool!.Id!;
  const clients = await cognito.send(
    new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }),
  );
  let clientId = clients.UserPoolClients?.find((c) => c.ClientName === 'cruddur-web')?.ClientId;
  clientId ??= (
    await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: 'cruddur-web',
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    )
  ).UserPoolClient!.ClientId!;
  return { userPoolId, clientId };
}

export { CognitoIdentityProviderClient };
