import type { NewMessage } from '@cruddur/ddb';

/** Two people, their conversation and a message in it, fixed, for unit tests of item and event builders. */
export const SAMPLE = {
  a: '00000000-0000-4000-8000-00000000000a',
  b: '00000000-0000-4000-8000-00000000000b',
  group: '00000000-0000-4000-8000-0000000000aa',
  message: '00000000-0000-4000-8000-0000000000ff',
  at: '2026-11-25T10:00:00.000Z',
} as const;

/** `a`'s message "hi" to `b` in their conversation, with any field replaced. */
export function sampleMessage(overrides: Partial<NewMessage> = {}): NewMessage {
  return {
    groupUuid: SAMPLE.group,
    messageUuid: SAMPLE.message,
    senderUuid: SAMPLE.a,
    text: 'hi',
    createdAt: SAMPLE.at,
    members: [SAMPLE.a, SAMPLE.b],
    ...overrides,
  };
}
