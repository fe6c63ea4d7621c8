import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PagingProxy {
  endpoint: string;
  /** ListUsers requests seen, with the page token each carried. */
  listUsersCalls: (string | undefined)[];
  close(): Promise<void>;
}

const MAX_PAGE = 60;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Test support. cognito-local 5.3.0 answers ListUsers with every user at once and ignores `Limit` and
 * `PaginationToken` (lib/targets/listUsers.js), so code that never pages would pass against it. This
 * proxy sits in front of the emulator and pages ListUsers the way AWS does (at most 60 per page, an
 * opaque token until the last page); every other call passes through untouched.
 */
export async function startCognitoPagingProxy(target: string): Promise<PagingProxy> {
  const listUsersCalls: (string | undefined)[] = [];
  const server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const operation = String(req.headers['x-amz-target'] ?? '');
      const isListUsers = operation.endsWith('.ListUsers');
      let forwardBody = body;
      let limit = MAX_PAGE;
      let offset = 0;
      if (isListUsers) {
        const request = JSON.parse(body) as { Limit?: number; PaginationToken?: string };
        listUsersCalls.push(request.PaginationToken);
        limit = Math.min(request.Limit ?? MAX_PAGE, MAX_PAGE);
        offset = request.PaginationToken ? Number(Buffer.from(request.PaginationToken, 'base64url')) : 0;
        const { Limit: _l, PaginationToken: _t, ...rest } = request;
        forwardBody = JSON.stringify(rest);
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) headers[k] = v;
      }
      const upstream = await fetch(`${target}${req.url}`, {
        method: req.method ?? 'POST',
        headers,
        ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: forwardBody }),
      });
      let text = await upstream.text();
      if (isListUsers && upstream.ok) {
        const all = (JSON.parse(text) as { Users?: unknown[] }).Users ?? [];
        const next = offset + limit;
        text = JSON.stringify({
          Users: all.slice(offset, next),
          ...(next < all.length ? { PaginationToken: Buffer.from(String(next)).toString('base64url') } : {}),
        });
      }
      res.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'application/json',
      });
      res.end(text);
    } catch (err) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    listUsersCalls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
