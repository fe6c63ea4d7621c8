/**
 * Opaque pagination cursors. A cursor is the DynamoDB LastEvaluatedKey in base64url JSON; on the way
 * back in it is checked against the partition the caller may read, so a forged cursor cannot be used
 * to page through someone else's inbox or thread.
 */

export type Key = Record<string, string>;

export function encodeCursor(key: Key | undefined): string | undefined {
  if (!key) return undefined;
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export type CursorResult = { ok: true; key: Key | undefined } | { ok: false };

/** `undefined` or empty means "first page". Anything malformed or for another partition is rejected. */
export function decodeCursor(cursor: string | undefined, expectedPk: string): CursorResult {
  if (cursor === undefined || cursor === '') return { ok: true, key: undefined };
  if (cursor.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return { ok: false };
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false };
    const entries = Object.entries(parsed);
    if (entries.length === 0 || entries.length > 4) return { ok: false };
    if (!entries.every(([, v]) => typeof v === 'string')) return { ok: false };
    const key = parsed as Key;
    if (key.pk !== expectedPk || typeof key.sk !== 'string') return { ok: false };
    return { ok: true, key };
  } catch {
    return { ok: false };
  }
}
