import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** What travels with one unit of work (an HTTP request, an SQS message, a stream batch). */
export interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with `requestId` attached to every log line and outgoing call made inside it. */
export function withRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

export function newRequestId(): string {
  return randomUUID();
}

/** The header that carries the request id across HTTP hops; SQS carries it as the envelope's trace_id. */
export const REQUEST_ID_HEADER = 'x-request-id';

export interface LoggerOptions {
  name: string;
  level?: string;
  pretty?: boolean;
}

/**
 * JSON logger whose every line carries the request id of the current context. `pretty` is for a
 * developer's terminal only; production and tests keep JSON.
 */
export function createLogger({ name, level = 'info', pretty = false }: LoggerOptions): Logger {
  return pino({
    name,
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { request_id: requestId } : {};
    },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  });
}

/** A logger that drops everything: for tests and library defaults. */
export const silentLogger: Logger = pino({ level: 'silent' });
