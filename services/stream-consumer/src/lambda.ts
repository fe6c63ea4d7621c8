import { createSnsClient, createSqsClient, type EventPublisher } from '@cruddur/aws';
import { loadConfig } from '@cruddur/config';
import { createDocumentClient } from '@cruddur/ddb';
import { createLogger, type Logger, withRequestContext } from '@cruddur/logger';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { type LambdaConfig, lambdaConfigSchema } from './config.ts';
import { toRecordError } from './errors.ts';
import { recordEventPublisher } from './feed/record-publisher.ts';
import { RecordHandler } from './inbox/record-handler.ts';
import { DeadLetterSink } from './records/dead-letter.ts';
import { fromLambdaRecord } from './records/stream-record.ts';

export interface LambdaDeps {
  handler: RecordHandler;
  deadLetters: DeadLetterSink;
  publisher: EventPublisher;
  logger: Logger;
}

export type StreamLambda = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

/**
 * The worker's record handler behind Lambda's event source mapping, with ReportBatchItemFailures. Records are
 * handled in order; a permanent failure is dead-lettered here with its reason (the mapping's own on-failure
 * destination would get metadata only), and the first retryable failure is reported and ends the invocation:
 * Lambda resumes from the lowest reported sequence number, so handling later records now would only repeat them.
 */
export function createLambdaHandler({ handler, deadLetters, publisher, logger }: LambdaDeps): StreamLambda {
  return async (event) => {
    for (const raw of event.Records ?? []) {
      const record = fromLambdaRecord(raw);
      try {
        await withRequestContext({ requestId: record.eventId || record.sequenceNumber }, async () => {
          const result = await handler.handle(record);
          if (result.events && result.events.length > 0) await publisher.publish(result.events);
        });
      } catch (err) {
        const failure = toRecordError(err);
        logger.warn({ err: failure, sequence_number: record.sequenceNumber }, 'record failed');
        if (!failure.retryable) {
          try {
            await deadLetters.send(record, {
              reason: failure.message,
              attempts: 1,
              retryable: false,
              source: { streamArn: raw.eventSourceARN },
            });
            continue;
          } catch (dlqError) {
            logger.error({ err: dlqError }, 'dead-lettering failed; reporting the record instead');
          }
        }
        return { batchItemFailures: [{ itemIdentifier: record.sequenceNumber }] };
      }
    }
    return { batchItemFailures: [] };
  };
}

export function lambdaFromConfig(config: LambdaConfig, logger?: Logger): StreamLambda {
  const log = logger ?? createLogger({ name: 'stream-consumer-lambda', level: config.LOG_LEVEL });
  const ddb = createDocumentClient({ region: config.AWS_REGION, endpoint: config.DDB_ENDPOINT });
  const sns = createSnsClient({ region: config.AWS_REGION, endpoint: config.SNS_ENDPOINT });
  const sqs = createSqsClient({ region: config.AWS_REGION, endpoint: config.SQS_ENDPOINT });
  return createLambdaHandler({
    handler: new RecordHandler({ ddb, table: config.DDB_MESSAGE_TABLE, logger: log }),
    deadLetters: new DeadLetterSink({ sqs, queueUrl: config.STREAM_DLQ_URL, workerId: 'lambda' }),
    publisher: recordEventPublisher(config, { ddb, sqs, sns }),
    logger: log,
  });
}

let cold: StreamLambda | undefined;

/** The Lambda entry point: config read once per container, clients reused across invocations. */
export const handler: StreamLambda = (event) => {
  cold ??= lambdaFromConfig(loadConfig(lambdaConfigSchema));
  return cold(event);
};
