import { callJson, type JsonResponse } from '@cruddur/test-kit';
export type ApiResponse = JsonResponse;

export interface CallOptions {
  token?: string;
  /** An object is sent as JSON; a string is sent as is. */
  body?: unknown;
  headers?: Record<string, string>;
  method?: string;
}

/** One HTTP call to a running gateway, over the wire, with a bearer token when given. */
export function call(baseUrl: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
  const { token, ...rest } = options;
  const auth: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  return callJson(`${baseUrl}${path}`, { ...rest, headers: { ...auth, ...rest.headers } });
}
