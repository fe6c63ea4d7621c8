import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, createTestQueue, testStack } from '@cruddur/test-kit';
import { afterAll, describe, expect, it, vi } from 'vitest';

const stack = testStack();
const cleanups: (() => Promise<void>)[] = [];
afterAll(() => Promise.all(cleanups.map((c) => c())));

describe('users service process (main.ts)', () => {
  it('migrates, serves, and on SIGTERM shuts down cleanly with exit code 0', async () => {
    const [db, queue] = await Promise.all([createTestDatabase(stack, 'users_main'), createTestQueue(stack)]);
    cleanups.push(db.drop, queue.drop);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./main.ts', import.meta.url))],
      {
        env: {
          ...process.env,
          PORT: '0',
          DATABASE_URL: db.url,
          USERS_EVENTS_QUEUE_URL: queue.url,
          SQS_ENDPOINT: stack.sqsEndpoint,
          MIGRATE_ON_START: 'true',
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });

    const port = await vi.waitFor(
      () => {
        const match = /"port":(\d+).*"msg":"listening"/.exec(output);
        if (!match) throw new Error(`not listening yet:\n${output}`);
        return Number(match[1]);
      },
      { timeout: 20_000, interval: 100 },
    );
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    const registered = await fetch(`http://127.0.0.1:${port}/internal/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        handle: 'g_kar',
        display_name: "G'Kar",
        email: 'gkar@narn.org',
        cognito_user_id: 'sub-gkar',
      }),
    });
    expect(registered.status).toBe(201);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('"msg":"shutdown complete"');
  });
});
