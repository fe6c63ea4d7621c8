import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * The closed list of error codes the API may return. A response body is always
 * `{"errors": [code, ...]}` with every code that applies. Add a code here before using it.
 */
export const errorCodes = [
  // 400/422: input
  'body_invalid_json',
  'body_invalid',
  'message_blank',
  'message_exceed_max_chars',
  'message_invalid_characters',
  'message_group_uuid_blank',
  'message_group_uuid_invalid',
  'handle_blank',
  'handle_invalid',
  'cannot_message_self',
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
  // 401/403
  'unauthorized',
  'forbidden',
  // 404
  'route_not_found',
  'user_not_found',
  'message_group_not_found',
  // 409
  'handle_taken',
  'email_taken',
  'cognito_user_id_taken',
  'idempotency_key_reused',
  'conflict',
  // 413, 415, 429
  'body_too_large',
  'unsupported_media_type',
  'rate_limited',
  // 5xx
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
}

/**
 * The one error type a handler throws for an expected failure. `retryable` tells queue and stream
 * consumers whether trying again can help, so they never have to match on messages.
 */
export class AppError extends Error {
  readonly status: ContentfulStatusCode;
  readonly codes: ErrorCode[];
  readonly retryable: boolean;

  constructor(
    status: ContentfulStatusCode,
    codes: ErrorCode | ErrorCode[],
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    const list = Array.isArray(codes) ? codes : [codes];
    super(list.join(','), { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.codes = list;
    this.retryable = options.retryable ?? status >= 500;
  }

  static invalid(codes: ErrorCode | ErrorCode[]): AppError {
    return new AppError(422, codes);
  }
  static notFound(code: ErrorCode): AppError {
    return new AppError(404, code);
  }
  static conflict(codes: ErrorCode | ErrorCode[]): AppError {
    return new AppError(409, codes);
  }
  static unavailable(cause?: unknown): AppError {
    return new AppError(503, 'dependency_unavailable', { retryable: true, cause });
  }

  toBody(): ErrorBody {
    return { errors: this.codes };
  }
}
