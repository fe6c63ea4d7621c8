import { describe, expect, it } from 'vitest';
import { createPool } from './data/db.ts';
import { createUsersMetrics } from './metrics.ts';

describe('users metrics', () => {
  it('a scrape with PostgreSQL unreachable still answers, with the last backlog values', async () => {
    // Port 1 refuses at once: the backlog query fails the way it does while the database restarts.
    const pool = createPool('postgres://nobody:secret@127.0.0.1:1/none');
    try {
      const { registry } = createUsersMetrics(pool);
      const text = await registry.metrics();
      expect(text).toMatch(/^users_outbox_pending\{service="users"\} 0$/m);
      expect(text).toMatch(/^process_cpu_user_seconds_total\{service="users"\} /m);
    } finally {
      await pool.end();
    }
  });
});
