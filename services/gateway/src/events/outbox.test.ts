import { describe, expect, it } from 'vitest';
import { StreamOutbox } from './outbox.ts';

const event = (id: string) => ({ id, event: 'inbox.updated', data: '{}', eventId: id });

describe('StreamOutbox', () => {
  it('hands events to the writer in order, waiting when empty', async () => {
    const outbox = new StreamOutbox();
    const first = outbox.next();
    outbox.send(event('1'));
    outbox.send(event('2'));
    expect((await first)?.id).toBe('1');
    expect((await outbox.next())?.id).toBe('2');
    const waiting = outbox.next();
    outbox.close();
    expect(await waiting).toBeUndefined();
  });

  it('ends the stream of a client that stopped reading', async () => {
    const outbox = new StreamOutbox(2);
    outbox.send(event('1'));
    outbox.send(event('2'));
    outbox.send(event('3'));
    expect(await outbox.next()).toBeUndefined();
  });
});
