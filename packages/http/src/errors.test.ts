import { describe, expect, it } from 'vitest';
import { AppError, codeForStatus, errorCodes, statusOf } from './errors.ts';

describe('error codes to HTTP statuses', () => {
  it('gives every code of the closed list a 4xx or 5xx status', () => {
    for (const code of errorCodes) expect(statusOf(code)).toBeGreaterThanOrEqual(400);
  });

  it('maps a code to one status wherever it is raised', () => {
    expect(statusOf(new AppError('message_group_not_found').codes)).toBe(404);
    expect(statusOf(['handle_taken', 'email_taken'])).toBe(409);
    expect(statusOf(['message_blank', 'message_group_uuid_invalid'])).toBe(422);
    expect(statusOf('service_credential_expired')).toBe(401);
    expect(statusOf('body_invalid_utf8')).toBe(400);
    expect(
      (['message_not_found', 'not_message_sender', 'edit_window_passed', 'message_deleted'] as const).map(
        statusOf,
      ),
    ).toEqual([404, 403, 422, 409]);
  });

  it('knows which failures are worth retrying without a status', () => {
    expect(AppError.unavailable().retryable).toBe(true);
    expect(new AppError('conflict').retryable).toBe(true);
    expect(new AppError('user_not_found').retryable).toBe(false);
    expect(new AppError('user_not_found', { retryable: true }).retryable).toBe(true);
  });

  it('names a bare status with the code the client would have got from us', () => {
    expect([400, 401, 404, 413, 429, 500, 502, 418].map(codeForStatus)).toEqual([
      'body_invalid_json',
      'unauthorized',
      'route_not_found',
      'body_too_large',
      'rate_limited',
      'internal_error',
      'internal_error',
      'body_invalid',
    ]);
  });
});
