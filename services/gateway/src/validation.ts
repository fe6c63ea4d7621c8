import { checkMessageText, HANDLE_PATTERN, UUID_PATTERN } from '@cruddur/contracts';
import type { ErrorCode } from '@cruddur/http';

export { IDEMPOTENCY_KEY_PATTERN, MAX_MESSAGE_CHARS, UUID_PATTERN } from '@cruddur/contracts';

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
