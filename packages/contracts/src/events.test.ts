import { describe, expect, it } from 'vitest';
import { createEvent, parseEvent, parseEventJson } from './events.ts';

const user = {
  uuid: '3f1a6e52-7d0b-4a55-9a3e-0c4a3f1b2c11',
  handle: 'bayko',
  display_name: 'Andrew Bayko',
  bio: null,
  version: 2,
};

describe('event contracts', () => {
  it('round-trips a created event through JSON', () => {
    const event = createEvent('user.profile_updated', user, { traceId: 'req-1' });
    const parsed = parseEventJson(JSON.stringify(event));
    expect(parsed).toEqual({ ok: true, event });
  });

  it('rejects unknown types, newer versions and bad payloads with a reason', () => {
    const event = createEvent('user.registered', user, { traceId: 't' });
    expect(parseEvent({ ...event, type: 'user.deleted' })).toMatchObject({
      ok: false,
      reason: /unknown event type/,
    });
    expect(parseEvent({ ...event, version: 9 })).toMatchObject({ ok: false, reason: /newer/ });
    expect(parseEvent({ ...event, payload: { ...user, version: 0 } })).toMatchObject({
      ok: false,
      reason: /payload/,
    });
    expect(parseEventJson('{nope')).toEqual({ ok: false, reason: 'body is not JSON' });
    expect(parseEventJson(undefined)).toEqual({ ok: false, reason: 'empty body' });
  });

  it('refuses to build an invalid event at the producer', () => {
    expect(() => createEvent('user.registered', { ...user, uuid: 'x' }, { traceId: 't' })).toThrow();
  });
});
