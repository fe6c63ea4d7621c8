import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, createTestQueue, testStack } from '@cruddur/test-kit';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { testKeys } from '../test/service-fixture.ts';

const stack = testStack();
const cleanups: (() => Promise<void>)[] = [];
afterAll(() => Promise.all(cleanups.map((c) => c())));

describe('users service process (main.ts)', () => {
  it('migrates, serves on loopback with keys from a mounted file, and on SIGTERM exits 0', async () => {
    const [db, queue] = await Promise.all([createTestDatabase(stack, 'users_main'), createTestQueue(stack)]);
    cleanups.push(db.drop, queue.drop);
    // A mounted secret, as in Kubernetes: the variable names the file, not the value.
    const keysFile = join(mkdtempSync(join(tmpdir(), 'users-keys-')), 'public.jwks');
    writeFileSync(keysFile, testKeys.publicKeysJson);
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
          SERVICE_AUTH_PUBLIC_KEYS_FILE: keysFile,
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
        const match = /"host":"127\.0\.0\.1","port":(\d+).*"msg":"listening"/.exec(output);
        if (!match) throw new Error(`not listening yet:\n${output}`);
        return Number(match[1]);
      },
      { timeout: 20_000, interval: 100 },
    );
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    const body = JSON.stringify({
      handle: 'nobody',
      display_name: 'N',
      email: 'n@b.org',
      cognito_user_id: 's',
    });
    const anonymous = await fetch(`http://127.0.0.1:${port}/internal/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(anonymous.status).toBe(401);
    const registered = await fetch(`http://127.0.0.1:${port}/internal/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await testKeys.asService('users', 'ops')) },
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
