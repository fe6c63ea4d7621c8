import type { ErrorCode } from '@cruddur/http';

/** The longest message, in Unicode code points after trimming (an emoji counts once), as the reference's counter. */
export const MAX_MESSAGE_CHARS = 1024;
/** Handles as the users service stores them. */
export const HANDLE_PATTERN = /^[A-Za-z0-9_]{1,32}$/;
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Printable ASCII without spaces: safe to store in a key and to log. UUIDs and ULIDs both fit. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7E]{1,128}$/;

// Control characters (C0, DEL, C1) except \n: invisible or dangerous in a chat bubble and in logs.
const FORBIDDEN_CONTROL = /[^\P{Cc}\n]/u;

/** Every code that applies to a message text. Browsers send textarea newlines as CRLF, hence the normalising. */
export function messageTextCodes(raw: unknown): ErrorCode[] {
  if (typeof raw !== 'string') return ['message_blank'];
  const text = raw.replace(/\r\n?/g, '\n').trim();
  const codes: ErrorCode[] = [];
  if (text.length === 0) codes.push('message_blank');
  if ([...text].length > MAX_MESSAGE_CHARS) codes.push('message_exceed_max_chars');
  // A lone surrogate cannot be encoded as UTF-8, so it could never be stored as sent.
  if (FORBIDDEN_CONTROL.test(text) || !text.isWellFormed()) codes.push('message_invalid_characters');
  return codes;
}

export type NewMessageTarget =
  | { kind: 'group'; messageGroupUuid: string }
  | { kind: 'handle'; handle: string };

export type NewMessageCheck =
  | { ok: true; message: string; target: NewMessageTarget }
  | { ok: false; codes: ErrorCode[] };

const present = (value: unknown) => value !== undefined && value !== null;

/**
 * Checks a `POST /api/messages` body and returns every code that applies: the text, and exactly one
 * target, either an existing conversation (`message_group_uuid`) or a person to write to (`handle`).
 */
export function checkNewMessage(body: unknown): NewMessageCheck {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, codes: ['body_invalid'] };
  const { message, handle, message_group_uuid: group } = body as Record<string, unknown>;
  const codes = messageTextCodes(message);

  let target: NewMessageTarget | undefined;
  if (present(handle) && present(group)) codes.push('message_target_ambiguous');
  else if (present(group)) {
    if (typeof group !== 'string') codes.push('message_group_uuid_invalid');
    else if (group.trim() === '') codes.push('message_group_uuid_blank');
    else if (!UUID_PATTERN.test(group.trim())) codes.push('message_group_uuid_invalid');
    else target = { kind: 'group', messageGroupUuid: group.trim().toLowerCase() };
  } else if (present(handle)) {
    // The frontend's route is /messages/new/:handle; a pasted "@handle" means the same person.
    const bare = typeof handle === 'string' ? handle.trim().replace(/^@/, '') : undefined;
    if (bare === undefined) codes.push('handle_invalid');
    else if (bare === '') codes.push('handle_blank');
    else if (!HANDLE_PATTERN.test(bare)) codes.push('handle_invalid');
    else target = { kind: 'handle', handle: bare };
  } else {
    codes.push('message_group_uuid_blank', 'handle_blank');
  }

  if (codes.length > 0 || !target) return { ok: false, codes };
  return { ok: true, message: message as string, target };
}
