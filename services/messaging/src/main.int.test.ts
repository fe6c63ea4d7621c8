import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestQueue, createTestServiceKeys, createTestTable, testStack } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const stack = testStack();
let table: Awaited<ReturnType<typeof createTestTable>>;
let queue: Awaited<ReturnType<typeof createTestQueue>>;

beforeAll(async () => {
  [table, queue] = await Promise.all([createTestTable(stack), createTestQueue(stack)]);
});
afterAll(async () => {
  await Promise.all([table?.drop(), queue?.drop()]);
});

describe('main.ts as a process', () => {
  it('serves from the environment and exits 0 on SIGTERM', { timeout: 60_000 }, async () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const keys = await createTestServiceKeys();
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: {
        ...process.env,
        PORT: '0',
        LOG_LEVEL: 'info',
        AWS_REGION: 'us-east-1',
        DDB_ENDPOINT: stack.dynamodbEndpoint,
        SQS_ENDPOINT: stack.sqsEndpoint,
        DDB_MESSAGE_TABLE: table.name,
        USERS_EVENTS_QUEUE_URL: queue.url,
        // Nothing listens there: readiness does not depend on the users service, only profile re-reads do.
        USERS_URL: 'http://127.0.0.1:9',
        SERVICE_AUTH_PRIVATE_KEY: keys.privateKeyJson('messaging'),
        SERVICE_AUTH_PUBLIC_KEYS: keys.publicKeysJson,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    try {
      const port = await expect
        .poll(() => /"port":(\d+).*"msg":"listening"/.exec(output)?.[1], { timeout: 45_000 })
        .toBeDefined()
        .then(() => /"port":(\d+)/.exec(output)![1]);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('shutdown complete');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
