import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import pino, { type DestinationStream, type Logger } from 'pino';

export type { DestinationStream, Logger } from 'pino';

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
  /** Write the JSON lines to each of these instead of stdout (e.g. a log file and stdout); not with `pretty`. */
  destinations?: DestinationStream[];
}

/** An append-only log file written synchronously, so the last lines before process.exit() are kept. */
export function fileDestination(path: string): DestinationStream {
  return pino.destination({ dest: path, append: true, mkdir: true, sync: true });
}

/**
 * JSON logger whose every line carries the request id of the current context. `pretty` is for a
 * developer's terminal only; production and tests keep JSON.
 */
export function createLogger({ name, level = 'info', pretty = false, destinations }: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { request_id: requestId } : {};
    },
    ...(pretty && !destinations ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  };
  return destinations
    ? pino(options, pino.multistream(destinations.map((stream) => ({ stream, level: 'trace' as const }))))
    : pino(options);
}

/** A logger that drops everything: for tests and library defaults. */
export const silentLogger: Logger = pino({ level: 'silent' });
