import { currentRequestId, type Logger } from '@cruddur/logger';
import pino from 'pino';

/**
 * A logger that keeps its JSON lines in memory, with the same request-id mixin as createLogger, so a
 * test can see which request id each service logged.
 */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    {
      level: 'info',
      mixin: () => {
        const requestId = currentRequestId();
        return requestId ? { request_id: requestId } : {};
      },
    },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}
