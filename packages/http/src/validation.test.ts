import { silentLogger } from '@cruddur/logger';
import { createRoute, z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { validationHook } from './validation.ts';

describe('validationHook', () => {
  const app = createApp({ logger: silentLogger });
  app.openapi(
    createRoute({
      method: 'post',
      path: '/things',
      request: {
        headers: z.object({
          'idempotency-key': z.string().max(3, { error: 'idempotency_key_invalid' }).optional(),
        }),
        body: {
          required: true,
          content: {
            'application/json': { schema: z.object({ message: z.string({ error: 'message_blank' }) }) },
          },
        },
      },
      responses: { 200: { description: 'ok' } },
    }),
    (c) => c.body(null, 200),
    // Stands for a rule that needs the raw body and the context (who is calling) at once.
    validationHook({}, (_c, raw) => ('handle' in raw ? ['cannot_message_self'] : [])),
  );
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    app.request('/things', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it("adds the route's own codes from the raw body to the schema's", async () => {
    const res = await post({ handle: 'me' });
    expect([res.status, await res.json()]).toEqual([
      422,
      { errors: ['message_blank', 'cannot_message_self'] },
    ]);
  });

  it('adds nothing from the body when a header fails: the raw input there is the headers', async () => {
    const res = await post({ message: 'hi' }, { 'idempotency-key': 'too long', handle: 'a header' });
    expect([res.status, await res.json()]).toEqual([422, { errors: ['idempotency_key_invalid'] }]);
  });
});
