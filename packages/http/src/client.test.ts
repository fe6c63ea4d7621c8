import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withRequestContext } from '@cruddur/logger';
import { afterEach, describe, expect, it } from 'vitest';
import { createServiceClient } from './client.ts';
import { AppError } from './errors.ts';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: Handler): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => handler(req, body, res));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const json = (res: ServerResponse, status: number, value: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
};

describe('createServiceClient', () => {
  it('sends JSON with the request id and answers status, parsed body and headers', async () => {
    const { url } = await serve((req, body, res) => {
      res.setHeader('x-seen', String(req.headers['x-request-id']));
      json(res, 201, { method: req.method, body: JSON.parse(body), type: req.headers['content-type'] });
    });
    const client = createServiceClient({ baseUrl: `${url}/` });
    const res = await withRequestContext({ requestId: 'req-1' }, () =>
      client.request('/things', { method: 'POST', body: { a: 'é' } }),
    );
    expect(res).toMatchObject({
      status: 201,
      body: { method: 'POST', body: { a: 'é' }, type: 'application/json' },
      headers: { 'x-seen': 'req-1' },
    });
    client.close();
  });

  it('retries a GET on 503 and answers the later success', async () => {
    let calls = 0;
    const { url } = await serve((_req, _body, res) => {
      calls++;
      if (calls < 3) json(res, 503, { errors: ['dependency_unavailable'] });
      else json(res, 200, { ok: true });
    });
    const client = createServiceClient({ baseUrl: url });
    await expect(client.request('/x')).resolves.toMatchObject({ status: 200, body: { ok: true } });
    expect(calls).toBe(3);
    client.close();
  });

  it('never repeats a write without an idempotency key: its 503 is the answer', async () => {
    let calls = 0;
    const { url } = await serve((_req, _body, res) => {
      calls++;
      json(res, 503, { errors: ['dependency_unavailable'] });
    });
    const client = createServiceClient({ baseUrl: url });
    await expect(client.request('/x', { method: 'POST', body: {} })).resolves.toMatchObject({ status: 503 });
    expect(calls).toBe(1);
    client.close();
  });

  it('gives up on a silent service with upstream_timeout, and on a closed port with dependency_unavailable', async () => {
    const { url } = await serve(() => undefined);
    const slow = createServiceClient({ baseUrl: url, timeoutMs: 50, retries: 0 });
    await expect(slow.request('/x')).rejects.toMatchObject({ codes: ['upstream_timeout'] });
    slow.close();
    const closed = createServiceClient({ baseUrl: 'http://127.0.0.1:9', retries: 0 });
    const err = await closed.request('/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).codes).toEqual(['dependency_unavailable']);
    closed.close();
  });

  it('sends a write again on a new connection when the kept-alive one was closed under it', async () => {
    let calls = 0;
    const { url, server } = await serve((_req, _body, res) => {
      calls++;
      json(res, 200, { calls });
    });
    const client = createServiceClient({ baseUrl: url });
    await client.request('/x', { method: 'POST', body: {} });
    // The server drops its idle connections without telling the client, as a restarting one would.
    server.closeIdleConnections();
    await expect(client.request('/x', { method: 'POST', body: {} })).resolves.toMatchObject({
      status: 200,
      body: { calls: 2 },
    });
    expect(calls).toBe(2);
    client.close();
  });
});
