import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { _Record as SdkRecord } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';

type Image = Record<string, AttributeValue>;

/**
 * One stream record, the same whether it came from GetRecords or from a Lambda event, so one handler
 * serves both. Images stay marshalled: turning them into values is the handler's job, where a malformed
 * one becomes a record failure instead of a crash of the poller.
 */
export interface StreamRecord {
  eventId: string;
  eventName: string;
  sequenceNumber: string;
  /** When DynamoDB wrote the record (DynamoDB Local truncates it to the minute). */
  approximateCreatedAtMs: number | undefined;
  keys: Image | undefined;
  newImage: Image | undefined;
  /** The item before a MODIFY, or as it was removed (REMOVE). */
  oldImage?: Image | undefined;
}

export function fromSdkRecord(record: SdkRecord): StreamRecord {
  const created = record.dynamodb?.ApproximateCreationDateTime;
  return {
    eventId: record.eventID ?? '',
    eventName: record.eventName ?? '',
    sequenceNumber: record.dynamodb?.SequenceNumber ?? '',
    approximateCreatedAtMs: created ? new Date(created).getTime() : undefined,
    // The two SDK packages declare structurally identical AttributeValue unions.
    keys: record.dynamodb?.Keys as Image | undefined,
    newImage: record.dynamodb?.NewImage as Image | undefined,
    oldImage: record.dynamodb?.OldImage as Image | undefined,
  };
}

export function fromLambdaRecord(record: DynamoDBRecord): StreamRecord {
  const created = record.dynamodb?.ApproximateCreationDateTime;
  return {
    eventId: record.eventID ?? '',
    eventName: record.eventName ?? '',
    sequenceNumber: record.dynamodb?.SequenceNumber ?? '',
    // Lambda sends epoch seconds.
    approximateCreatedAtMs: created === undefined ? undefined : created * 1000,
    keys: record.dynamodb?.Keys as Image | undefined,
    newImage: record.dynamodb?.NewImage as Image | undefined,
    oldImage: record.dynamodb?.OldImage as Image | undefined,
  };
}

/** Sequence numbers are decimal strings of varying length: compare as numbers, not as text. */
export function compareSequenceNumbers(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
