import { describe, expect, it } from 'vitest';
import { encodeBundle, parseEventBundleJson } from './bundle.ts';
import { createEvent, eventRecipients } from './events.ts';

const typing = createEvent(
  'typing',
  {
    message_group_uuid: crypto.randomUUID(),
    user_uuid: crypto.randomUUID(),
    typing: true,
    until: new Date().toISOString(),
    members: [crypto.randomUUID()],
  },
  { traceId: 't' },
);
const presence = createEvent(
  'presence.changed',
  { user_uuid: crypto.randomUUID(), online: false, last_seen_at: null, recipients: [crypto.randomUUID()] },
  { traceId: 't' },
);

describe('event bundles', () => {
  it('round-trips a bundle and still reads a bare envelope', () => {
    expect(parseEventBundleJson(encodeBundle([typing, presence]))).toEqual({
      ok: true,
      events: [typing, presence],
    });
    expect(parseEventBundleJson(JSON.stringify(typing))).toEqual({ ok: true, events: [typing] });
  });

  it('refuses a bundle with any bad entry whole, and bodies that are not JSON', () => {
    const bad = JSON.stringify({ bundle: [typing, { ...presence, type: 'nope' }] });
    expect(parseEventBundleJson(bad)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('bundle entry 1'),
    });
    expect(parseEventBundleJson('{')).toEqual({ ok: false, reason: 'body is not JSON' });
    expect(parseEventBundleJson(undefined)).toEqual({ ok: false, reason: 'empty body' });
  });

  it('finds recipients in members, or recipients for a presence change', () => {
    expect(eventRecipients(typing)).toEqual(typing.payload.members);
    expect(eventRecipients(presence)).toEqual(presence.payload.recipients);
  });
});
