import { silentLogger } from '@cruddur/logger';
import { describe, expect, it } from 'vitest';
import { createServiceClient } from './client.ts';
import { KEEP_ALIVE_TIMEOUT_MS, startHttpServer } from './server.ts';

describe('startHttpServer', () => {
  it('keeps idle connections longer than a load balancer or our clients do, and says so', async () => {
    const server = await startHttpServer(
      { fetch: () => new Response('{}', { headers: { 'content-type': 'application/json' } }) },
      { port: 0, logger: silentLogger },
    );
    try {
      const response = await fetch(server.url);
      await response.text();
      expect(response.headers.get('keep-alive')).toBe(`timeout=${KEEP_ALIVE_TIMEOUT_MS / 1000}`);
      expect(KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(60_000);
      // Our service client answers from the same server without trouble on its kept-alive socket.
      const client = createServiceClient({ baseUrl: server.url });
      expect((await client.request('/')).status).toBe(200);
      expect((await client.request('/')).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
