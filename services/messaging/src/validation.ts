import type { ErrorCode } from '@cruddur/http';

/** The longest message, counted in Unicode code points after trimming (so an emoji counts once). */
export const MAX_MESSAGE_CHARS = 1024;

// Cc is C0, DEL and C1; newline is the one allowed. Tabs are rejected too: the issue allows only newlines,
// and a tab renders differently in every client.
const FORBIDDEN_CONTROL = /(?!\n)\p{Cc}/u;

export type MessageCheck = { ok: true; text: string } | { ok: false; codes: ErrorCode[] };

/**
 * Normalises and checks a message body. CRLF and lone CR become LF first (browsers submit textarea
 * newlines as CRLF), then the text is trimmed. Every code that applies is returned, never just the first.
 */
export function checkMessage(raw: unknown): MessageCheck {
  if (typeof raw !== 'string') return { ok: false, codes: ['message_blank'] };
  const text = raw.replace(/\r\n?/g, '\n').trim();
  const codes: ErrorCode[] = [];
  if (text.length === 0) codes.push('message_blank');
  if ([...text].length > MAX_MESSAGE_CHARS) codes.push('message_exceed_max_chars');
  // A lone surrogate cannot be stored as UTF-8; DynamoDB would get a replacement character instead.
  if (FORBIDDEN_CONTROL.test(text) || !text.isWellFormed()) codes.push('message_invalid_characters');
  return codes.length > 0 ? { ok: false, codes } : { ok: true, text };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** Printable ASCII without spaces: safe inside a DynamoDB key and in logs. UUIDs and ULIDs both fit. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,128}$/;
