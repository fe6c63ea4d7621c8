import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface AwsClientOptions {
  region: string;
  /** An emulator's URL; unset on AWS. For SQS it must always be set locally: emulator queue URLs do not resolve. */
  endpoint?: string | undefined;
}

function common({ region, endpoint }: AwsClientOptions) {
  return {
    region,
    maxAttempts: 5,
    ...(endpoint ? { endpoint } : {}),
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 25_000 },
  };
}

export const createSqsClient = (options: AwsClientOptions) => new SQSClient(common(options));
export const createSnsClient = (options: AwsClientOptions) => new SNSClient(common(options));
export const createStreamsClient = (options: AwsClientOptions) => new DynamoDBStreamsClient(common(options));
