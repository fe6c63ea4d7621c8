import { messageItem } from '@cruddur/ddb';
import { streamRecordOf } from '@cruddur/stream-testing';
import { sampleMessage } from '@cruddur/test-kit';
import { describe, expect, it } from 'vitest';
import { buildDeadLetter } from './dead-letter.ts';
import type { StreamRecord } from './stream-record.ts';

const sent = sampleMessage();
const item = messageItem(sent);
const record = (over: Partial<StreamRecord> = {}, image: Record<string, unknown> = item) =>
  streamRecordOf(image, over);

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
