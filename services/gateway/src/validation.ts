import { checkGroupTitle, checkMessageText, HANDLE_PATTERN, UUID_PATTERN } from '@cruddur/contracts';
import type { ErrorCode } from '@cruddur/http';

export {
  GROUP_TITLE_MAX,
  IDEMPOTENCY_KEY_PATTERN,
  MAX_MESSAGE_CHARS,
  UUID_PATTERN,
} from '@cruddur/contracts';

/** Every code that applies to a message text (the same rules the messaging service applies again). */
export function messageTextCodes(raw: unknown): ErrorCode[] {
  const check = checkMessageText(raw);
  return check.ok ? [] : check.codes;
}

type NewMessageTarget = { kind: 'group'; messageGroupUuid: string } | { kind: 'handle'; handle: string };

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

export type HandleListCheck = { ok: true; handles: string[] } | { ok: false; codes: ['handles_invalid'] };

/**
 * A list of members by handle: an array of handles (a leading `@` is dropped, as for a conversation
 * started by handle). The answer drops duplicates without regard to case, keeping the first spelling,
 * and the caller's own handle: the caller is in the group anyway.
 */
export function checkHandleList(raw: unknown, callerHandle: string): HandleListCheck {
  if (!Array.isArray(raw)) return { ok: false, codes: ['handles_invalid'] };
  const seen = new Set([callerHandle.toLowerCase()]);
  const handles: string[] = [];
  for (const item of raw) {
    const bare = typeof item === 'string' ? item.trim().replace(/^@/, '') : '';
    if (!HANDLE_PATTERN.test(bare)) return { ok: false, codes: ['handles_invalid'] };
    if (seen.has(bare.toLowerCase())) continue;
    seen.add(bare.toLowerCase());
    handles.push(bare);
  }
  return { ok: true, handles };
}

export interface GroupLimits {
  /** The most members besides the caller (GROUP_MAX_MEMBERS). */
  maxMembers: number;
  /** The caller's own handle, left out of every member list. */
  callerHandle: string;
}

export type NewGroupCheck =
  | { ok: true; handles: string[]; title: string | undefined; message: string }
  | { ok: false; codes: ErrorCode[] };

const asRecord = (body: unknown) =>
  typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : undefined;

/**
 * Checks a `POST /api/message_groups` body and returns every code that applies: the members (2 to
 * `maxMembers` besides the caller, once duplicates and the caller are dropped), the optional title and
 * the first message.
 */
export function checkNewGroup(body: unknown, limits: GroupLimits): NewGroupCheck {
  const fields = asRecord(body);
  if (!fields) return { ok: false, codes: ['body_invalid'] };
  const members = checkHandleList(fields.handles, limits.callerHandle);
  const codes: ErrorCode[] = members.ok
    ? sizeCodes(members.handles.length, 2, limits.maxMembers)
    : members.codes;
  const title = present(fields.title) ? checkGroupTitle(fields.title) : undefined;
  if (title && !title.ok) codes.push(...title.codes);
  codes.push(...messageTextCodes(fields.message));
  if (codes.length > 0 || !members.ok) return { ok: false, codes };
  return {
    ok: true,
    handles: members.handles,
    title: title?.ok ? title.title : undefined,
    message: fields.message as string,
  };
}

function sizeCodes(count: number, min: number, max: number): ErrorCode[] {
  if (count < min) return ['group_too_small'];
  if (count > max) return ['group_too_large'];
  return [];
}

export type AddMembersCheck = { ok: true; handles: string[] } | { ok: false; codes: ErrorCode[] };

/**
 * Checks a `POST /api/message_groups/:uuid/members` body. More new members than a group may hold besides
 * the caller can never fit; whether fewer fit depends on the group, which messaging decides.
 */
export function checkAddMembers(body: unknown, limits: GroupLimits): AddMembersCheck {
  const fields = asRecord(body);
  if (!fields) return { ok: false, codes: ['body_invalid'] };
  // Naming nobody is a mistake; naming only oneself is just nobody new.
  if (Array.isArray(fields.handles) && fields.handles.length === 0)
    return { ok: false, codes: ['handles_invalid'] };
  const members = checkHandleList(fields.handles, limits.callerHandle);
  if (!members.ok) return members;
  const codes = sizeCodes(members.handles.length, 0, limits.maxMembers);
  return codes.length > 0 ? { ok: false, codes } : members;
}

export type RenameCheck = { ok: true; title: string | null } | { ok: false; codes: ErrorCode[] };

/** Checks a `PATCH /api/message_groups/:uuid` body: `title` is a new title, or null to remove it. */
export function checkRename(body: unknown): RenameCheck {
  const fields = asRecord(body);
  if (!fields) return { ok: false, codes: ['body_invalid'] };
  if (fields.title === null) return { ok: true, title: null };
  return checkGroupTitle(fields.title);
}
