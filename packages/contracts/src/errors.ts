/**
 * The closed list of error codes the services may answer with. A response body is always
 * `{"errors": [code, ...]}` with every code that applies; `packages/http` maps each code to its HTTP
 * status in one table, so domain and data code raise codes and never choose a status.
 * Add a code here (and its status there) before using it.
 */
export const errorCodes = [
  // input (400/422)
  'body_invalid_json',
  'body_invalid_utf8',
  'body_invalid',
  'message_blank',
  'message_exceed_max_chars',
  'message_invalid_characters',
  'message_group_uuid_blank',
  'message_group_uuid_invalid',
  'handle_blank',
  'handle_invalid',
  'cannot_message_self',
  'cannot_block_self',
  'message_target_ambiguous',
  'limit_invalid',
  'cursor_invalid',
  'uuid_invalid',
  'uuids_invalid',
  'display_name_blank',
  'display_name_too_long',
  'display_name_invalid',
  'bio_too_long',
  'email_invalid',
  'email_blank',
  'cognito_user_id_blank',
  'cognito_user_id_invalid',
  'idempotency_key_invalid',
  'query_invalid',
  'handles_invalid',
  'title_invalid',
  'group_too_small',
  'group_too_large',
  'not_a_group',
  'message_uuid_invalid',
  'edit_window_passed',
  'emoji_invalid',
  'settings_invalid',
  // authentication and authorisation (401/403)
  'unauthorized',
  'forbidden',
  'service_credential_missing',
  'service_credential_invalid',
  'service_credential_expired',
  'service_credential_audience',
  'service_caller_forbidden',
  'not_message_sender',
  'recipient_unavailable',
  // not found (404)
  'route_not_found',
  'user_not_found',
  'message_group_not_found',
  'message_not_found',
  // conflicts (409)
  'handle_taken',
  'email_taken',
  'cognito_user_id_taken',
  'idempotency_key_reused',
  'message_deleted',
  'too_many_reactions',
  'conflict',
  // transport limits (413, 415, 429)
  'body_too_large',
  'unsupported_media_type',
  'rate_limited',
  // our side (5xx)
  'dependency_unavailable',
  'upstream_timeout',
  'internal_error',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

const codeSet: ReadonlySet<string> = new Set(errorCodes);
export function isErrorCode(value: string): value is ErrorCode {
  return codeSet.has(value);
}

export interface ErrorBody {
  errors: ErrorCode[];
  /** With `user_not_found` for a list of handles: every handle no user has. */
  unknown_handles?: string[];
}

/** Facts beside the codes that a client needs to fix its request; each is a field of the error body. */
export type ErrorDetails = Omit<ErrorBody, 'errors'>;

/** Codes that mean "our side or a dependency failed": trying again later can help. */
const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'dependency_unavailable',
  'upstream_timeout',
  'internal_error',
  'conflict',
]);

/**
 * The one error type for an expected failure, thrown by domain and data code alike. It carries codes
 * from the closed list and whether trying again can help (so queue and stream consumers choose
 * between retry and dead-letter without matching strings); the HTTP layer picks the status.
 */
export class AppError extends Error {
  readonly codes: ErrorCode[];
  readonly retryable: boolean;
  readonly details: ErrorDetails | undefined;

  constructor(
    codes: ErrorCode | ErrorCode[],
    options: { retryable?: boolean; cause?: unknown; details?: ErrorDetails } = {},
  ) {
    const list = Array.isArray(codes) ? codes : [codes];
    if (list.length === 0) throw new TypeError('AppError needs at least one code');
    super(list.join(','), { cause: options.cause });
    this.name = 'AppError';
    this.codes = list;
    this.retryable = options.retryable ?? list.some((code) => RETRYABLE_CODES.has(code));
    this.details = options.details;
  }

  /** A dependency (DynamoDB, a queue, another service) cannot be reached right now. */
  static unavailable(cause?: unknown): AppError {
    return new AppError('dependency_unavailable', { cause });
  }

  toBody(): ErrorBody {
    return { ...this.details, errors: this.codes };
  }
}
