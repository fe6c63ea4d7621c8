import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type EventEnvelope, sqsSafeJson } from '@cruddur/contracts';

/** Where events go. Implementations send every event or throw; they never drop one silently. */
export interface EventPublisher {
  publish(events: readonly EventEnvelope[]): Promise<void>;
}

const BATCH = 10; // the SQS and SNS batch limit
const MAX_ROUNDS = 5;

function attributes(event: EventEnvelope) {
  return {
    event_type: { DataType: 'String', StringValue: event.type },
    trace_id: { DataType: 'String', StringValue: event.trace_id },
  };
}

async function sendInBatches(
  events: readonly EventEnvelope[],
  sendBatch: (batch: EventEnvelope[]) => Promise<{ failedIds: string[]; senderFault: string | undefined }>,
): Promise<void> {
  for (let i = 0; i < events.length; i += BATCH) {
    let pending = events.slice(i, i + BATCH);
    for (let round = 0; pending.length > 0; round++) {
      if (round === MAX_ROUNDS)
        throw new Error(`could not publish ${pending.length} events after ${MAX_ROUNDS} rounds`);
      if (round > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** round));
      const { failedIds, senderFault } = await sendBatch(pending);
      if (senderFault) throw new Error(`event rejected by the queue: ${senderFault}`);
      const failed = new Set(failedIds);
      pending = pending.filter((e) => failed.has(e.id));
    }
  }
}

interface BatchFailure {
  Id?: string | undefined;
  SenderFault?: boolean | undefined;
  Code?: string | undefined;
  Message?: string | undefined;
}

/** SQS and SNS report batch failures the same way; entry ids are `e<index in batch>`. */
function outcomeOf(batch: EventEnvelope[], failures: BatchFailure[] = []) {
  const fault = failures.find((f) => f.SenderFault);
  return {
    failedIds: failures.map((f) => batch[Number(f.Id?.slice(1))]?.id ?? ''),
    senderFault: fault ? `${fault.Code}: ${fault.Message}` : undefined,
  };
}

/** Publishes to one SQS queue. Failed entries map back to their events, so a partial failure retries exactly those. */
export function createQueuePublisher({
  sqs,
  queueUrl,
}: {
  sqs: SQSClient;
  queueUrl: string;
}): EventPublisher {
  return {
    publish: (events) =>
      sendInBatches(events, async (batch) => {
        const result = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((event, n) => ({
              Id: `e${n}`,
              MessageBody: sqsSafeJson(event),
              MessageAttributes: attributes(event),
            })),
          }),
        );
        return outcomeOf(batch, result.Failed);
      }),
  };
}

/** Publishes to an SNS topic that fans out to SQS queues (one per consumer group or gateway replica). */
export function createTopicPublisher({
  sns,
  topicArn,
}: {
  sns: SNSClient;
  topicArn: string;
}): EventPublisher {
  return {
    publish: (events) =>
      sendInBatches(events, async (batch) => {
        const result = await sns.send(
          new PublishBatchCommand({
            TopicArn: topicArn,
            PublishBatchRequestEntries: batch.map((event, n) => ({
              Id: `e${n}`,
              Message: sqsSafeJson(event),
              MessageAttributes: attributes(event),
            })),
          }),
        );
        return outcomeOf(batch, result.Failed);
      }),
  };
}
