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
