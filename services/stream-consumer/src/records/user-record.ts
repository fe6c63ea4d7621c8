import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { isDeletedUser } from '@cruddur/ddb';
import type { StreamRecord } from './stream-record.ts';

type Image = NonNullable<StreamRecord['newImage']>;

const deletedIn = (image: Image | undefined): boolean => {
  if (!image) return false;
  try {
    return isDeletedUser(unmarshall(image as Record<string, AttributeValue>));
  } catch {
    return false;
  }
};

/**
 * The uuid of a user whose profile replica just became a deletion tombstone (messaging writes it first when it
 * erases an account), or undefined. The stream is how every gateway replica hears of it: the consumer publishes
 * `user.deleted` on the message-events topic, and each gateway ends that user's sessions and streams.
 */
export function deletedUserOf(record: StreamRecord): string | undefined {
  if (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY') return undefined;
  if (!deletedIn(record.newImage) || deletedIn(record.oldImage)) return undefined;
  const uuid = record.newImage?.uuid?.S;
  return typeof uuid === 'string' ? uuid : undefined;
}
