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
  if (destinations) {
    return pino(
      options,
      pino.multistream(destinations.map((stream) => ({ stream, level: 'trace' as const }))),
    );
  }
  if (options.transport) return pino(options);
  return pino(options, stdoutDestination());
}

/**
 * Standard output, buffered: lines collect until 4 KB or a second has passed, then leave in one write, so a
 * busy service makes one write per dozen lines instead of one blocking write per line (the access log alone
 * was a sixth of the gateway's CPU). What is buffered is written on exit; a kill -9 can lose up to a second
 * of lines. One destination per process, shared by every logger made here.
 */
let stdout: ReturnType<typeof pino.destination> | undefined;
function stdoutDestination(): DestinationStream {
  if (!stdout) {
    const dest = pino.destination({ dest: 1, sync: true, minLength: 4096, periodicFlush: 1_000 });
    process.once('exit', () => {
      try {
        dest.flushSync();
      } catch {
        // stdout is gone (a closed pipe): nothing left to write to
      }
    });
    stdout = dest;
  }
  return stdout;
}

/** A logger that drops everything: for tests and library defaults. */
export const silentLogger: Logger = pino({ level: 'silent' });
