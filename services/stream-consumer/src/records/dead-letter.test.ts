import { randomUUID } from 'node:crypto';
import { marshall } from '@aws-sdk/util-dynamodb';
import { messageItem } from '@cruddur/ddb';
import { describe, expect, it } from 'vitest';
import { buildDeadLetter } from './dead-letter.ts';
import type { StreamRecord } from './stream-record.ts';

const [a, b, g, m] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
const at = '2026-05-01T10:00:00.000Z';
const item = messageItem({
  groupUuid: g,
  messageUuid: m,
  senderUuid: a,
  text: 'hi',
  createdAt: at,
  members: [a, b],
});
const record = (over: Partial<StreamRecord> = {}, image: Record<string, unknown> = item): StreamRecord => ({
  eventId: 'e1',
  eventName: 'INSERT',
  sequenceNumber: '100',
  approximateCreatedAtMs: undefined,
  keys: marshall({ pk: image.pk, sk: image.sk }),
  newImage: marshall(image),
  ...over,
});

describe('dead letters', () => {
  it('keeps the dead letter under the SQS limit by dropping a huge image', () => {
    const big = record({}, { ...item, message: 'x'.repeat(250_000) });
    const letter = buildDeadLetter(big, {
      reason: 'r',
      attempts: 3,
      retryable: true,
      workerId: 'w',
      source: {},
    });
    expect(letter).toMatchObject({
      new_image: null,
      new_image_truncated: true,
      attempts: 3,
      sequence_number: '100',
    });
    expect(JSON.stringify(letter).length).toBeLessThan(256 * 1024);
  });
});
