import { Agent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { currentRequestId, REQUEST_ID_HEADER } from '@cruddur/logger';
import { sleep } from './backoff.ts';
import { AppError } from './errors.ts';

export interface ServiceClientOptions {
  baseUrl: string;
  timeoutMs?: number;
  /** Extra attempts for calls that are safe to repeat (GETs, and writes sent with an idempotency key). */
  retries?: number;
  /** Most connections kept open to the service (default 64); more calls than that wait for one. */
  maxSockets?: number;
}

export interface ServiceResponse<T = unknown> {
  status: number;
  body: T;
  headers: IncomingHttpHeaders;
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
 * An idle connection is closed by us after this long, before the other side's keep-alive timeout (Node's
 * server default is 5 s, and it says so in its Keep-Alive header, which the agent also honours), so a call
 * is never sent on a socket the server is closing.
 */
const IDLE_SOCKET_MS = 4_000;

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** The answer, read whole; a socket error before the first byte of it is thrown. */
function send(
  url: URL,
  agent: Agent,
  method: string,
  headers: Record<string, string>,
  payload: string | undefined,
  timeoutMs: number,
): Promise<{ response: IncomingMessage; text: string; reusedSocket: boolean }> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method, headers, agent });
    const timer = setTimeout(
      () => request.destroy(new TimeoutError(`no answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
    request.once('error', (err) => {
      clearTimeout(timer);
      reject(Object.assign(err, { reusedSocket: request.reusedSocket }));
    });
    request.once('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      response.once('end', () => {
        clearTimeout(timer);
        resolve({
          response,
          text: Buffer.concat(chunks).toString('utf8'),
          reusedSocket: request.reusedSocket,
        });
      });
    });
    request.end(payload);
  });
}

/**
 * A small JSON client for calls between our services: a timeout on every call, the request id
 * passed along, and retries with jittered backoff only where repeating the call cannot do harm.
 * A dependency that stays down surfaces as AppError 503 (or 504 on timeout).
 *
 * It speaks `node:http` over keep-alive connections of its own agent rather than `fetch`: on the gateway's
 * hot path fetch's WHATWG layers (headers and body objects, streams, validation) were a quarter of its CPU.
 */
export function createServiceClient({
  baseUrl,
  timeoutMs = 3_000,
  retries = 2,
  maxSockets = 64,
}: ServiceClientOptions) {
  const root = baseUrl.replace(/\/$/, '');
  const agentOptions = { keepAlive: true, maxSockets, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' as const };
  const agent = root.startsWith('https:') ? new HttpsAgent(agentOptions) : new Agent(agentOptions);

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
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const url = new URL(`${root}${path}`);

    let lastError: unknown;
    for (let attempt = 0, staleRetried = false; attempt < attempts; attempt++) {
      if (attempt > 0) await sleep(Math.random() * 50 * 2 ** attempt);
      try {
        const { response, text } = await send(url, agent, method, headers, payload, timeoutMs);
        const status = response.statusCode ?? 0;
        if (RETRYABLE_STATUS.has(status) && attempt < attempts - 1) continue;
        const body = text ? (JSON.parse(text) as T) : (undefined as T);
        return { status, body, headers: response.headers };
      } catch (err) {
        lastError = err;
        // A kept-alive socket the server closed as we wrote to it: the call never reached the service, so it
        // goes once more on a fresh connection whatever its method (Node's documented case for `reusedSocket`).
        const stale = (err as { reusedSocket?: boolean; code?: string }).reusedSocket === true;
        if (stale && !staleRetried && (err as { code?: string }).code === 'ECONNRESET') {
          staleRetried = true;
          attempt--;
        }
      }
    }
    if (lastError instanceof TimeoutError) throw new AppError('upstream_timeout', { cause: lastError });
    throw AppError.unavailable(lastError);
  }

  return {
    request,
    baseUrl: root,
    /** Closes the idle keep-alive connections (a stopping service calls it; open calls finish first). */
    close: () => agent.destroy(),
  };
}

export type ServiceClient = ReturnType<typeof createServiceClient>;
