import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** How many messages a queue holds, by state, as SQS approximates them. */
export interface QueueCounts {
  /** Waiting to be received (what a consumer or a redrive would take next). */
  visible: number;
  /** Received and not deleted yet. */
  inFlight: number;
  delayed: number;
}

/** One GetQueueAttributes call for the three counts that operators' tools and the invariant checker read. */
export async function readQueueCounts(sqs: SQSClient, queueUrl: string): Promise<QueueCounts> {
  const { Attributes: a = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}
