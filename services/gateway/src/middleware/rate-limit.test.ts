import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { GatewayEnv } from '../env.ts';
import { rateLimit } from './rate-limit.ts';

function appWith(trustProxy: boolean) {
  const app = new Hono<GatewayEnv>();
  app.use(rateLimit({ capacity: 1, refillPerSecond: 1, trustProxy }));
  app.get('/', (c) => c.text('ok'));
  return app;
}
const from = (xff: string) => ({ headers: { 'x-forwarded-for': xff } });

describe('rateLimit', () => {
  it('answers 429 rate_limited with Retry-After once the bucket is empty', async () => {
    const app = appWith(false);
    expect((await app.request('/')).status).toBe(200);
    const limited = await app.request('/');
    expect([limited.status, await limited.json()]).toEqual([429, { errors: ['rate_limited'] }]);
    expect(limited.headers.get('retry-after')).toBe('1');
  });

  it('behind a trusted proxy, keys anonymous callers by the address the proxy appended', async () => {
    const app = appWith(true);
    expect((await app.request('/', from('1.1.1.1, 10.0.0.1'))).status).toBe(200);
    expect((await app.request('/', from('2.2.2.2, 10.0.0.2'))).status).toBe(200);
    // A made-up first entry does not buy a fresh bucket.
    expect((await app.request('/', from('9.9.9.9, 10.0.0.1'))).status).toBe(429);
  });

  it('ignores X-Forwarded-For unless told to trust it', async () => {
    const app = appWith(false);
    expect((await app.request('/', from('10.0.0.1'))).status).toBe(200);
    expect((await app.request('/', from('10.0.0.2'))).status).toBe(429);
  });
});
