import { silentLogger } from '@cruddur/logger';
import { describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { AppError } from './errors.ts';

describe('createApp', () => {
  it('answers healthz and echoes a safe request id, or makes one', async () => {
    const app = createApp({ logger: silentLogger });
    const given = await app.request('/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(given.status).toBe(200);
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const hostile = await app.request('/healthz', { headers: { 'x-request-id': 'a b<script>' } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('names the dependency that is down in readyz', async () => {
    const app = createApp({
      logger: silentLogger,
      readiness: {
        postgres: async () => {},
        dynamodb: async () => Promise.reject(new Error('ECONNREFUSED')),
      },
    });
    const res = await app.request('/readyz');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      down: ['dynamodb'],
      checks: { postgres: 'ok', dynamodb: 'down: ECONNREFUSED' },
    });
  });

  it('maps AppError, unknown routes and unexpected throws to the one error body', async () => {
    const app = createApp({ logger: silentLogger });
    app.get('/boom', () => {
      throw new AppError(['message_blank', 'handle_blank']);
    });
    app.get('/bug', () => {
      throw new TypeError('x is undefined');
    });
    expect(await (await app.request('/boom')).json()).toEqual({ errors: ['message_blank', 'handle_blank'] });
    const missing = await app.request('/nope');
    expect([missing.status, await missing.json()]).toEqual([404, { errors: ['route_not_found'] }]);
    const bug = await app.request('/bug');
    expect([bug.status, await bug.json()]).toEqual([500, { errors: ['internal_error'] }]);
  });
});
