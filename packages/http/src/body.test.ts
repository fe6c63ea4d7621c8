import { request } from 'node:http';
import { silentLogger } from '@cruddur/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { rejectInvalidUtf8 } from './body.ts';
import { type RunningServer, startHttpServer } from './server.ts';

/** One raw request, so the test chooses the framing (Content-Length or chunked) and the exact bytes. */
function post(url: string, body: Buffer, framing: 'length' | 'chunked') {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(`${url}/echo`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(framing === 'length' ? { 'content-length': String(body.length) } : {}),
      },
    });
    req.once('error', reject);
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.once('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    if (framing === 'chunked') {
      // Two writes before end: Node sends Transfer-Encoding: chunked.
      req.write(body.subarray(0, 1));
      req.end(body.subarray(1));
    } else req.end(body);
  });
}

describe('request bodies through the Node server', () => {
  let server: RunningServer;
  beforeAll(async () => {
    const app = createApp({ logger: silentLogger, bodyLimitBytes: 64 });
    app.use('/echo', rejectInvalidUtf8());
    app.post('/echo', async (c) => {
      const json = (await c.req.json()) as unknown;
      const bytes = (await c.req.arrayBuffer()).byteLength;
      return c.json({ json, text: await c.req.text(), bytes });
    });
    server = await startHttpServer(app, { port: 0, logger: silentLogger });
  });
  afterAll(() => server.close());

  for (const framing of ['length', 'chunked'] as const) {
    it(`hands the route the body as JSON, text and bytes (${framing})`, async () => {
      const body = Buffer.from('{"message":"héllo"}');
      const res = await post(server.url, body, framing);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toEqual({
        json: { message: 'héllo' },
        text: '{"message":"héllo"}',
        bytes: body.length,
      });
    });

    it(`drops a leading byte-order mark as fetch's text() does (${framing})`, async () => {
      const res = await post(server.url, Buffer.from('\uFEFF{"a":1}'), framing);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toMatchObject({ json: { a: 1 }, text: '{"a":1}' });
    });

    it(`refuses bytes that are not UTF-8 (${framing})`, async () => {
      const res = await post(server.url, Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), framing);
      expect([res.status, JSON.parse(res.text)]).toEqual([400, { errors: ['body_invalid_utf8'] }]);
    });

    it(`refuses a body over the limit (${framing})`, async () => {
      const res = await post(server.url, Buffer.from(`{"a":"${'x'.repeat(100)}"}`), framing);
      expect([res.status, JSON.parse(res.text)]).toEqual([413, { errors: ['body_too_large'] }]);
    });
  }
});
