import { backoffMs, sleep } from '@cruddur/http';

export interface JsonResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on whatever the service answered
  body: any;
}

export interface CallJsonOptions {
  /** Defaults to POST when there is a body, GET otherwise. */
  method?: string;
  /** An object is sent as JSON; a string is sent as it is, with no content type unless `headers` give one. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** One HTTP call to a running service over the wire; the body comes back parsed when it is JSON, as text otherwise. */
export async function callJson(url: string, options: CallJsonOptions = {}): Promise<JsonResponse> {
  const { body: sent } = options;
  const isJson = sent !== undefined && typeof sent !== 'string';
  const response = await fetch(url, {
    method: options.method ?? (sent === undefined ? 'GET' : 'POST'),
    headers: { ...(isJson ? { 'content-type': 'application/json' } : {}), ...options.headers },
    body: sent === undefined ? null : isJson ? JSON.stringify(sent) : (sent as string),
  });
  const text = await response.text();
  let body: unknown = text || undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (a docs page, a proxy's error): keep the text.
  }
  return { status: response.status, headers: response.headers, body };
}

/**
 * As a client does with a 409 conflict: nothing was committed (a send keeps its idempotency key, so a retry never
 * doubles it), so it is sent again, at most `attempts` times in all. On a loaded machine a change can outlast the
 * service's own retry budget while sends race it, and retrying at once only races them again, so the retries back
 * off with jitter (at most about 6 s in all).
 */
export async function retryingConflicts(
  attempt: () => Promise<JsonResponse>,
  attempts = 10,
): Promise<JsonResponse> {
  for (let n = 1; ; n++) {
    const res = await attempt();
    if (res.status !== 409 || n === attempts) return res;
    await sleep(backoffMs(n, 25, 1_000));
  }
}
