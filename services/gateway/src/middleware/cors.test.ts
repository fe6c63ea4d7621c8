import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { corsForOrigins } from './cors.ts';

const ORIGIN = 'http://localhost:3000';

function app() {
  const app = new Hono();
  app.use('/api/*', corsForOrigins([ORIGIN]));
  app.get('/api/page', (c) => {
    c.header('X-Next-Cursor', 'abc');
    return c.json([{ uuid: 'x' }]);
  });
  app.get('/api/fails', () => {
    throw new HTTPException(401);
  });
  app.onError((err, c) => c.json({ errors: ['x'] }, err instanceof HTTPException ? err.status : 500));
  return app;
}

describe('corsForOrigins', () => {
  it('lets an allowed origin read the answer and the headers it exposes', async () => {
    const res = await app().request('/api/page', { headers: { origin: ORIGIN } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([{ uuid: 'x' }]);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-expose-headers')).toBe('X-Next-Cursor,Retry-After,x-request-id');
    expect(res.headers.get('vary')).toBe('Origin');
    expect(res.headers.get('x-next-cursor')).toBe('abc');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('gives any other origin, or none, no Access-Control-Allow-Origin', async () => {
    for (const headers of [{ origin: 'https://evil.example' }, {}]) {
      const res = await app().request('/api/page', { headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('vary')).toBe('Origin');
    }
  });

  it('puts the headers on error answers too, so a browser can read why', async () => {
    const res = await app().request('/api/fails', { headers: { origin: ORIGIN } });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  it('answers a preflight from an allowed origin with the methods and headers it may use', async () => {
    const res = await app().request('/api/page', {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'PATCH' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-allow-methods')).toBe('GET,POST,PATCH,DELETE,OPTIONS');
    expect(res.headers.get('access-control-allow-headers')).toBe(
      'Authorization,Content-Type,Idempotency-Key,x-request-id',
    );
    expect(res.headers.get('access-control-max-age')).toBe('600');
  });

  it('refuses a preflight from another origin', async () => {
    const res = await app().request('/api/page', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'PATCH' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
