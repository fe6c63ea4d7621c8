import { currentRequestId, REQUEST_ID_HEADER } from '@cruddur/logger';
import { sleep } from './backoff.ts';
import { AppError } from './errors.ts';

export interface ServiceClientOptions {
  baseUrl: string;
  timeoutMs?: number;
  /** Extra attempts for calls that are safe to repeat (GETs, and writes sent with an idempotency key). */
  retries?: number;
  fetch?: typeof fetch;
}

export interface ServiceResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  headers?: Record<string, string>;
  /** Marks a non-GET call as safe to retry (for example because it carries an idempotency key). */
  idempotent?: boolean;
}

const RETRYABLE_STATUS = new Set([502, 503, 504]);

/**
 * A small JSON client for calls between our services: a timeout on every call, the request id
 * passed along, and retries with jittered backoff only where repeating the call cannot do harm.
 * A dependency that stays down surfaces as AppError 503 (or 504 on timeout).
 */
export function createServiceClient({
  baseUrl,
  timeoutMs = 3_000,
  retries = 2,
  fetch: doFetch = fetch,
}: ServiceClientOptions) {
  const root = baseUrl.replace(/\/$/, '');

  async function request<T = unknown>(
    path: string,
    options: RequestOptions = {},
  ): Promise<ServiceResponse<T>> {
    const method = options.method ?? 'GET';
    const safe = method === 'GET' || options.idempotent === true;
    const attempts = safe ? retries + 1 : 1;
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    const requestId = currentRequestId();
    if (requestId) headers[REQUEST_ID_HEADER] = requestId;
    if (options.body !== undefined) headers['content-type'] = 'application/json';

    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await sleep(Math.random() * 50 * 2 ** attempt);
      try {
        const response = await doFetch(`${root}${path}`, {
          method,
          headers,
          body: options.body === undefined ? null : JSON.stringify(options.body),
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (RETRYABLE_STATUS.has(response.status) && attempt < attempts - 1) {
          await response.body?.cancel();
          continue;
        }
        const text = await response.text();
        const body = text ? (JSON.parse(text) as T) : (undefined as T);
        return { status: response.status, body, headers: response.headers };
      } catch (err) {
        lastError = err;
      }
    }
    if (lastError instanceof DOMException && lastError.name === 'TimeoutError') {
      throw new AppError('upstream_timeout', { cause: lastError });
    }
    throw AppError.unavailable(lastError);
  }

  return { request, baseUrl: root };
}

export type ServiceClient = ReturnType<typeof createServiceClient>;
