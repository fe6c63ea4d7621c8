import type { AddressInfo } from 'node:net';
import type { Logger } from '@cruddur/logger';
import { type ServerType, serve } from '@hono/node-server';

export interface FetchApp {
  fetch: (request: Request, ...rest: never[]) => Response | Promise<Response>;
}

export interface RunningServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Starts an HTTP server on `host` (loopback unless told otherwise); port 0 picks a free one (tests and parallel stacks). */
export async function startHttpServer(
  app: FetchApp,
  { port, host = '127.0.0.1', logger }: { port: number; host?: string; logger: Logger },
): Promise<RunningServer> {
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve(
      { fetch: app.fetch as (req: Request) => Response | Promise<Response>, port, hostname: host },
      () => resolve(s),
    );
    s.once('error', reject);
  });
  const actual = (server.address() as AddressInfo).port;
  logger.info({ host, port: actual }, 'listening');
  return {
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        // Stop accepting, let in-flight requests finish, then drop idle keep-alive sockets.
        server.close(() => resolve());
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      }),
  };
}

/**
 * Starts the service's HTTP server and registers its graceful close with the service's shutdown
 * registry, so no composition root can forget either half.
 */
export async function serveHttp(
  shutdown: { register(name: string, stop: () => Promise<void>): void },
  app: FetchApp,
  options: { port: number; host?: string; logger: Logger },
): Promise<{ url: string; port: number }> {
  const server = await startHttpServer(app, options);
  shutdown.register('http server', () => server.close());
  return { url: server.url, port: server.port };
}
