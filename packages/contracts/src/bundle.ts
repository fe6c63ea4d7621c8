import { type EventEnvelope, type ParseResult, parseEvent } from './events.ts';
import { sqsSafeJson } from './sqs-json.ts';

/**
 * A replica queue's message in targeted delivery: every event of one publish that concerns one replica's users,
 * in publish order, so a message to 3 members on 3 replicas costs 3 SQS messages, not 3 per event.
 */
export interface EventBundle {
  bundle: readonly EventEnvelope[];
}

export function encodeBundle(events: readonly EventEnvelope[]): string {
  return sqsSafeJson({ bundle: events } satisfies EventBundle);
}

export type BundleParseResult = { ok: true; events: EventEnvelope[] } | { ok: false; reason: string };

/**
 * Parses an SQS body that is either one envelope (a topic delivery) or a bundle. A bundle with any invalid
 * envelope is refused whole: the producer checked each one, so a bad one means a corrupt or forged body.
 */
export function parseEventBundleJson(body: string | undefined): BundleParseResult {
  if (!body) return { ok: false, reason: 'empty body' };
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const list = (raw as { bundle?: unknown } | null)?.bundle;
  if (!Array.isArray(list)) {
    const single: ParseResult = parseEvent(raw);
    return single.ok ? { ok: true, events: [single.event] } : single;
  }
  const events: EventEnvelope[] = [];
  for (const item of list) {
    const parsed = parseEvent(item);
    if (!parsed.ok) return { ok: false, reason: `bundle entry ${events.length}: ${parsed.reason}` };
    events.push(parsed.event);
  }
  return { ok: true, events };
}
