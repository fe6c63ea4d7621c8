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
