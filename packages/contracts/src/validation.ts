import { regexes, z } from 'zod';

/**
 * Input rules more than one service enforces (the gateway at the edge, the owning service again behind
 * it), kept in one place so the two can never disagree.
 */

/** The longest message, in Unicode code points after trimming (an emoji counts once), as the reference's counter. */
export const MAX_MESSAGE_CHARS = 1024;
/** Handles as the users service stores them (case-insensitively unique). */
export const HANDLE_PATTERN = /^[A-Za-z0-9_]{1,32}$/;
/**
 * Uuids as zod's `z.uuid()` accepts them (RFC 9562: a version and variant, or the nil and max uuids), the
 * rule every stored item's schema uses: an input that passes here can always be stored.
 */
export const UUID_PATTERN = regexes.uuid();
/** Display names and bios as the users service stores them. */
export const DISPLAY_NAME_MAX = 64;
export const BIO_MAX = 1024;
/** The users table's `version` is a PostgreSQL integer: nothing above this can come from it. */
export const MAX_USER_VERSION = 2_147_483_647;
/** Control characters (C0, DEL, C1): invisible on a profile page and unsafe in logs. */
export const CONTROL_CHARS = /\p{Cc}/u;
/** Printable ASCII without spaces: safe inside a DynamoDB key and in logs. UUIDs and ULIDs both fit. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7E]{1,128}$/;

// Cc is C0, DEL and C1; newline is the one allowed. Tabs are rejected too: a tab renders differently in
// every client, and the issue allows newlines only.
const FORBIDDEN_CONTROL = /(?!\n)\p{Cc}/u;

export type MessageTextCode = 'message_blank' | 'message_exceed_max_chars' | 'message_invalid_characters';
export type MessageTextCheck = { ok: true; text: string } | { ok: false; codes: MessageTextCode[] };

/**
 * Normalises and checks a message text. CRLF and lone CR become LF first (browsers submit textarea
 * newlines as CRLF), then the text is trimmed. Every code that applies is returned, never just the first.
 */
export function checkMessageText(raw: unknown): MessageTextCheck {
  if (typeof raw !== 'string') return { ok: false, codes: ['message_blank'] };
  const text = raw.replace(/\r\n?/g, '\n').trim();
  const codes: MessageTextCode[] = [];
  if (text.length === 0) codes.push('message_blank');
  if ([...text].length > MAX_MESSAGE_CHARS) codes.push('message_exceed_max_chars');
  // A lone surrogate cannot be encoded as UTF-8, so it could never be stored as sent.
  if (FORBIDDEN_CONTROL.test(text) || !text.isWellFormed()) codes.push('message_invalid_characters');
  return codes.length > 0 ? { ok: false, codes } : { ok: true, text };
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

/** A group's title, in Unicode code points after trimming. */
export const GROUP_TITLE_MAX = 100;
/** How many members a group may have besides its creator, unless `GROUP_MAX_MEMBERS` says otherwise. */
export const DEFAULT_GROUP_MAX_MEMBERS = 50;
/** The setting's ceiling: with the creator, 91 members keep every membership transaction under 100 items. */
export const GROUP_MAX_MEMBERS_CEILING = 90;

/** `GROUP_MAX_MEMBERS` as the gateway and the messaging service both read it (they must agree). */
export const groupMaxMembersSetting = z.coerce
  .number()
  .int()
  .min(2)
  .max(GROUP_MAX_MEMBERS_CEILING)
  .default(DEFAULT_GROUP_MAX_MEMBERS);

/**
 * How long each user's change feed keeps a change (hours): a client that reconnects within it is replayed every
 * change it missed, later it is told to reload. At least 24 (the promise made to clients), at most a week.
 */
export const feedRetentionHoursSetting = z.coerce.number().int().min(24).max(168).default(48);

export type GroupTitleCheck = { ok: true; title: string } | { ok: false; codes: ['title_invalid'] };

/** Trims and checks a group title: 1..100 code points, no control characters, well-formed. */
export function checkGroupTitle(raw: unknown): GroupTitleCheck {
  if (typeof raw !== 'string') return { ok: false, codes: ['title_invalid'] };
  const title = raw.trim();
  const length = [...title].length;
  if (length === 0 || length > GROUP_TITLE_MAX || CONTROL_CHARS.test(title) || !title.isWellFormed())
    return { ok: false, codes: ['title_invalid'] };
  return { ok: true, title };
}
