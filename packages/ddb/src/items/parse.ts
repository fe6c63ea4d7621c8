import { z } from 'zod';

/**
 * Items come back from DynamoDB (GetItem, Query, Scan, ALL_NEW, a stream's NewImage) as untyped maps. Each
 * one is parsed with its item schema at that boundary, once; one that does not match is this error, never a cast.
 */

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** An item read from a table that does not match its schema: which item (its key attributes) and why. */
export class MalformedItemError extends Error {
  /** The item's keys as read: `pk`/`sk` on the messages table, `leaseKey` on the lease table. */
  readonly pk: string | undefined;
  readonly sk: string | undefined;
  readonly leaseKey: string | undefined;
  readonly issues: readonly z.core.$ZodIssue[];
  /** The issues as zod prints them, one per line. */
  readonly detail: string;
  /** Reading the same item again gives the same answer. */
  readonly retryable = false;

  constructor(raw: unknown, error: z.ZodError) {
    const item = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
    const pk = text(item.pk);
    const sk = text(item.sk);
    const leaseKey = text(item.lease_key);
    const detail = z.prettifyError(error);
    const where = pk !== undefined ? `${pk}/${sk ?? ''}` : (leaseKey ?? '(no key)');
    super(`malformed item ${where}: ${detail}`);
    this.name = 'MalformedItemError';
    this.pk = pk;
    this.sk = sk;
    this.leaseKey = leaseKey;
    this.issues = error.issues;
    this.detail = detail;
  }
}

export type ParsedItem<T> = { ok: true; item: T } | { ok: false; error: MalformedItemError };

/** Parses one item read from a table; never throws. */
export function safeParseItem<S extends z.ZodType>(schema: S, raw: unknown): ParsedItem<z.output<S>> {
  const result = schema.safeParse(raw);
  return result.success
    ? { ok: true, item: result.data }
    : { ok: false, error: new MalformedItemError(raw, result.error) };
}

/** Parses one item read from a table; throws MalformedItemError when it does not match. */
export function parseItem<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = safeParseItem(schema, raw);
  if (!parsed.ok) throw parsed.error;
  return parsed.item;
}

/** As `parseItem`, for a GetItem that may have found nothing: `undefined` stays `undefined`. */
export function parseOptionalItem<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> | undefined {
  return raw === undefined ? undefined : parseItem(schema, raw);
}
