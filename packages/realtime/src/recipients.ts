import type { EventEnvelope } from '@cruddur/contracts';

/**
 * Whose streams an event is for, read from its payload by convention, so the publisher needs no list of types:
 * `members` (a message's members, a typing indicator's recipients), `owner_uuid` (an inbox row's owner) and
 * `recipients` (a presence change's contacts). An event with none of them goes nowhere in targeted delivery.
 */
export function recipientsOf(event: EventEnvelope): string[] {
  const payload = event.payload as { members?: unknown; owner_uuid?: unknown; recipients?: unknown };
  const found = new Set<string>();
  for (const list of [payload.members, payload.recipients]) {
    if (Array.isArray(list)) for (const uuid of list) if (typeof uuid === 'string') found.add(uuid);
  }
  if (typeof payload.owner_uuid === 'string') found.add(payload.owner_uuid);
  return [...found];
}
