import { marshall } from '@aws-sdk/util-dynamodb';
import type { StreamRecord } from '@cruddur/stream-consumer';

/** The stream record DynamoDB would deliver for writing `image` (an INSERT by default). */
export function streamRecordOf(
  image: Record<string, unknown>,
  over: Partial<StreamRecord> = {},
): StreamRecord {
  return {
    eventId: 'e1',
    eventName: 'INSERT',
    sequenceNumber: '100',
    approximateCreatedAtMs: undefined,
    keys: marshall({ pk: image.pk, sk: image.sk }),
    newImage: marshall(image),
    ...over,
  };
}

/** The MODIFY record DynamoDB would deliver for an item that was `before` and is now `after`. */
export function modifyRecordOf(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  over: Partial<StreamRecord> = {},
): StreamRecord {
  return streamRecordOf(after, { eventName: 'MODIFY', oldImage: marshall(before), ...over });
}

/** The REMOVE record of an item that was `before` (a REMOVE has no new image). */
export function removeRecordOf(
  before: Record<string, unknown>,
  over: Partial<StreamRecord> = {},
): StreamRecord {
  return streamRecordOf(before, {
    eventName: 'REMOVE',
    newImage: undefined,
    oldImage: marshall(before),
    ...over,
  });
}
