import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { sqsSafeJson, toTimestamp } from '@cruddur/contracts';
import type { StreamRecord } from './stream-record.ts';

export interface DeadLetterSource {
  streamArn?: string | undefined;
  shardId?: string | undefined;
}

// SQS takes 256 KiB; an item may be 400 KB, so a huge image is replaced by its keys rather than lose the letter.
const MAX_IMAGE_CHARS = 200_000;

/** Pure: the dead letter's body, with everything an operator needs to find, understand and replay the record. */
export function buildDeadLetter(
  record: StreamRecord,
  details: {
    reason: string;
    attempts: number;
    retryable: boolean;
    workerId: string;
    source: DeadLetterSource;
    at?: Date;
  },
) {
  const image = record.newImage ? JSON.stringify(record.newImage) : undefined;
  return {
    reason: details.reason,
    attempts: details.attempts,
    retryable: details.retryable,
    worker_id: details.workerId,
    dead_lettered_at: toTimestamp(details.at ?? new Date()),
    stream_arn: details.source.streamArn ?? null,
    shard_id: details.source.shardId ?? null,
    sequence_number: record.sequenceNumber,
    event_id: record.eventId,
    event_name: record.eventName,
    keys: record.keys ?? null,
    new_image: image && image.length <= MAX_IMAGE_CHARS ? record.newImage : null,
    new_image_truncated: image !== undefined && image.length > MAX_IMAGE_CHARS,
  };
}

/** Sends records that cannot be handled to the stream dead-letter queue, so their shard can move on. */
export class DeadLetterSink {
  constructor(private readonly options: { sqs: SQSClient; queueUrl: string; workerId: string }) {}

  async send(
    record: StreamRecord,
    details: { reason: string; attempts: number; retryable: boolean; source: DeadLetterSource },
  ): Promise<void> {
    const body = buildDeadLetter(record, { ...details, workerId: this.options.workerId });
    await this.options.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.options.queueUrl,
        MessageBody: sqsSafeJson(body),
        MessageAttributes: {
          reason: { DataType: 'String', StringValue: details.reason.slice(0, 256) },
          sequence_number: { DataType: 'String', StringValue: record.sequenceNumber || 'unknown' },
        },
      }),
    );
  }
}
