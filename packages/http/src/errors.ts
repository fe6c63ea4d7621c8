import type { AppError, ErrorCode } from '@cruddur/contracts';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export {
  AppError,
  type ErrorBody,
  type ErrorCode,
  type ErrorDetails,
  errorCodes,
  isErrorCode,
} from '@cruddur/contracts';

/**
 * The one place a code becomes an HTTP status. Typed as a full record, so a code added to the closed
 * list without a status here does not compile.
 */
const STATUS_BY_CODE: Record<ErrorCode, ContentfulStatusCode> = {
  body_invalid_json: 400,
  body_invalid_utf8: 400,
  body_invalid: 422,
  message_blank: 422,
  message_exceed_max_chars: 422,
  message_invalid_characters: 422,
  message_group_uuid_blank: 422,
  message_group_uuid_invalid: 422,
  handle_blank: 422,
  handle_invalid: 422,
  cannot_message_self: 422,
  cannot_block_self: 422,
  message_target_ambiguous: 422,
  limit_invalid: 422,
  cursor_invalid: 422,
  uuid_invalid: 422,
  uuids_invalid: 422,
  display_name_blank: 422,
  display_name_too_long: 422,
  display_name_invalid: 422,
  bio_too_long: 422,
  email_invalid: 422,
  email_blank: 422,
  cognito_user_id_blank: 422,
  cognito_user_id_invalid: 422,
  idempotency_key_invalid: 422,
  query_invalid: 422,
  handles_invalid: 422,
  title_invalid: 422,
  group_too_small: 422,
  group_too_large: 422,
  not_a_group: 422,
  message_uuid_invalid: 422,
  edit_window_passed: 422,
  emoji_invalid: 422,
  settings_invalid: 422,
  unauthorized: 401,
  forbidden: 403,
  service_credential_missing: 401,
  service_credential_invalid: 401,
  service_credential_expired: 401,
  service_credential_audience: 401,
  service_caller_forbidden: 403,
  not_message_sender: 403,
  // A block, a declined request, or a user who does not accept messages: the same answer for each, on purpose.
  recipient_unavailable: 403,
  route_not_found: 404,
  user_not_found: 404,
  message_group_not_found: 404,
  message_not_found: 404,
  handle_taken: 409,
  email_taken: 409,
  cognito_user_id_taken: 409,
  idempotency_key_reused: 409,
  message_deleted: 409,
  too_many_reactions: 409,
  conflict: 409,
  body_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  dependency_unavailable: 503,
  upstream_timeout: 504,
  internal_error: 500,
};

/** The status of an answer carrying these codes: the first code's (codes of one answer share a class). */
export function statusOf(codes: ErrorCode | readonly ErrorCode[]): ContentfulStatusCode {
  const first = typeof codes === 'string' ? codes : codes[0];
  return first === undefined ? 500 : STATUS_BY_CODE[first];
}

/** The code that stands for a bare status when a body carried none (Hono's own errors, a foreign upstream). */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'body_invalid_json';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'route_not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'body_too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'rate_limited';
    default:
      return status >= 500 ? 'internal_error' : 'body_invalid';
  }
}

/** The HTTP status of an AppError. */
export function httpStatus(error: AppError): ContentfulStatusCode {
  return statusOf(error.codes);
}
