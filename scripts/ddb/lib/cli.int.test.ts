import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { dynamoClient, testStack, uniqueName } from '@cruddur/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { dropTable } from './tables.ts';

const run = promisify(execFile);
const stack = testStack();
const client = dynamoClient(stack);
const env = {
  ...process.env,
  DDB_ENDPOINT: stack.dynamodbEndpoint,
  AWS_REGION: 'us-east-1',
  DDB_MESSAGE_TABLE: uniqueName('cli-msg'),
  DDB_LEASE_TABLE: uniqueName('cli-lease'),
  USERS_URL: 'http://127.0.0.1:9',
};

function script(name: string, args: string[] = []) {
  const file = fileURLToPath(new URL(`../${name}.ts`, import.meta.url));
  return run(process.execPath, ['--import', 'tsx', file, ...args], { env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({
      code: err.code,
      stdout: err.stdout,
      stderr: err.stderr,
    }),
  );
}

afterAll(async () => {
  await Promise.all([dropTable(client, env.DDB_MESSAGE_TABLE), dropTable(client, env.DDB_LEASE_TABLE)]);
  client.destroy();
});

describe('ddb scripts as commands', () => {
  it('schema-load creates, then says the tables exist and exits 0; scan prints JSON lines', async () => {
    const first = await script('schema-load');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`messages table ${env.DDB_MESSAGE_TABLE}: created`);
    expect(first.stdout).toContain(`leases table ${env.DDB_LEASE_TABLE}: created`);
    const second = await script('schema-load');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`messages table ${env.DDB_MESSAGE_TABLE}: exists already`);

    const scan = await script('scan', ['--limit', '5']);
    expect([scan.code, scan.stdout]).toEqual([0, '']);
    expect(scan.stderr).toContain(`0 items in 1 pages from ${env.DDB_MESSAGE_TABLE}`);
  });

  it('seed exits 1 with one clear line when the users service is not running', async () => {
    const seed = await script('seed');
    expect(seed.code).toBe(1);
    expect(seed.stderr.trim().split('\n')).toHaveLength(1);
    expect(seed.stderr).toMatch(
      /^error: the users service is not reachable at http:\/\/127.0.0.1:9 .*scripts\/db\/seed first/,
    );
  });

  it('rejects a bad --limit and refuses to drop an AWS table without --yes', async () => {
    const bad = await script('scan', ['--limit', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('must be a positive integer');
    const drop = await script('drop', ['--prod']);
    expect([drop.code, drop.stderr.trim()]).toEqual([
      1,
      'error: refusing to delete an AWS table without --yes',
    ]);
  });
});
