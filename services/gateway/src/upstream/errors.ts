import { AppError, codeForStatus, isErrorCode, type ServiceResponse } from '@cruddur/http';
import type { z } from 'zod';
import { errorBody } from './schemas.ts';

/**
 * Turns an upstream answer the caller should see (4xx with our error body) into the same AppError, and
 * anything else into 503: a broken or failing dependency is never the caller's fault. A 401 from an
 * internal service means our own credential was refused, which is our fault, not the caller's.
 */
export function upstreamFailure(service: string, response: ServiceResponse): AppError {
  if (response.status >= 400 && response.status < 500 && response.status !== 401) {
    const parsed = errorBody.safeParse(response.body);
    const codes = parsed.success ? parsed.data.errors.filter(isErrorCode) : [];
    const details =
      parsed.success && parsed.data.unknown_handles
        ? { unknown_handles: parsed.data.unknown_handles }
        : undefined;
    return new AppError(
      codes.length > 0 ? codes : [codeForStatus(response.status)],
      details ? { details } : {},
    );
  }
  return AppError.unavailable(new Error(`${service} answered ${response.status}`));
}

/** Parses an upstream success body; a mismatch is a contract bug between our services, so it throws. */
export function parseUpstream<T extends z.ZodType>(service: string, schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new Error(`${service} answered a body outside the contract: ${result.error.message}`);
  }
  return result.data;
}
