import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestServiceKeys, dynamoClient, testStack, uniqueName } from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_USERS } from '../../lib/seed-users.ts';
import { dropTable } from './tables.ts';
import { startFakeUsersService } from './test-users.ts';

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

function script(name: string, args: string[] = [], extraEnv: Record<string, string> = {}) {
  const file = fileURLToPath(new URL(`../${name}.ts`, import.meta.url));
  return run(process.execPath, ['--import', 'tsx', file, ...args], { env: { ...env, ...extraEnv } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({
      code: err.code,
      stdout: err.stdout,
      stderr: err.stderr,
    }),
  );
}

let users: Awaited<ReturnType<typeof startFakeUsersService>>;
const serviceKeys = await createTestServiceKeys();
// The operators' key as a file, the way scripts/up and a mounted secret hand it over.
const opsKeyFile = join(mkdtempSync(join(tmpdir(), 'cli-keys-')), 'ops.jwk');
writeFileSync(opsKeyFile, serviceKeys.privateKeyJson('ops'));
beforeAll(async () => {
  users = await startFakeUsersService(
    SEED_USERS.map((u) => u.handle),
    serviceKeys.publicKeysJson,
  );
});

afterAll(async () => {
  await users?.close();
  await Promise.all([dropTable(client, env.DDB_MESSAGE_TABLE), dropTable(client, env.DDB_LEASE_TABLE)]);
  client.destroy();
});

// Each command is a fresh Node process compiling TypeScript, so this file keeps their number small.
describe('ddb scripts as commands', () => {
  it('schema-load twice, seed, the pattern scripts and scan, as an operator runs them', {
    timeout: 90_000,
  }, async () => {
    const first = await script('schema-load');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`messages table ${env.DDB_MESSAGE_TABLE}: created`);
    expect(first.stdout).toContain(`leases table ${env.DDB_LEASE_TABLE}: created`);
    const second = await script('schema-load');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`messages table ${env.DDB_MESSAGE_TABLE}: exists already`);

    // Empty, so a developer's .data/local.env cannot hand the key over behind the test's back.
    const keyless = await script('seed', [], { USERS_URL: users.url, OPS_SERVICE_AUTH_PRIVATE_KEY_FILE: '' });
    expect(keyless.code).toBe(1);
    expect(keyless.stderr).toContain('set OPS_SERVICE_AUTH_PRIVATE_KEY_FILE');
    const usersEnv = { USERS_URL: users.url, OPS_SERVICE_AUTH_PRIVATE_KEY_FILE: opsKeyFile };
    const seed = await script('seed', [], usersEnv);
    expect(seed.code).toBe(0);
    expect(seed.stdout).toMatch(/@andrewbrown and @bayko: 110 messages/);
    expect(seed.stdout).toMatch(
      /group "North dock, Saturday 8:00" of @andrewbrown, @bayko, @londo and @altbrown: 34 messages/,
    );
    expect(seed.stdout).toMatch(/seeded 163 messages in 4 conversations and 1 group\(s\)/);

    const thread = await script('patterns/get-conversation', ['--limit', '3'], usersEnv);
    expect(thread.code).toBe(0);
    expect(thread.stdout.split('\n').some((l) => /UTC\s+bayko\s+Good night!/.test(l))).toBe(true);
    expect(thread.stdout).toMatch(/3 messages; consumed capacity: [\d.]+ RCU/);
    expect(thread.stdout).toMatch(/older messages: --cursor \S+/);

    const list = await script('patterns/list-conversations', ['--handle', 'bayko', '--json'], usersEnv);
    expect(list.code).toBe(0);
    const raw = JSON.parse(list.stdout.slice(list.stdout.indexOf('{'), list.stdout.lastIndexOf('}') + 1));
    expect(raw.Items).toHaveLength(3);
    const groupUuid = raw.Items.find((i: { kind?: string }) => i.kind === 'group').message_group_uuid;

    const group = await script(
      'patterns/get-conversation',
      ['--group', groupUuid, '--limit', '20'],
      usersEnv,
    );
    expect(group.code).toBe(0);
    expect(group.stdout).toContain(
      'group "North dock, Saturday 8:00", 4 members: @andrewbrown, @bayko, @londo, @altbrown',
    );
    expect(group.stdout).toMatch(/UTC\s+bayko\s+\* renamed the group to "North dock, Saturday 8:00"/);

    const verify = await script('verify');
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/5 conversations \(groups: 1\).*\ninvariant violations: 0/s);
    expect(raw.ConsumedCapacity.TableName).toBe(env.DDB_MESSAGE_TABLE);

    const scan = await script('scan', ['--limit', '3', '--page-size', '2']);
    expect(scan.code).toBe(0);
    expect(
      scan.stdout
        .trim()
        .split('\n')
        .map((l) => typeof JSON.parse(l).pk),
    ).toEqual(['string', 'string', 'string']);
    expect(scan.stderr).toContain(`3 items in 2 pages from ${env.DDB_MESSAGE_TABLE}`);
  });

  it('fails with one clear line: users service down, bad --limit, AWS drop without --yes', {
    timeout: 60_000,
  }, async () => {
    const [seed, bad, drop] = await Promise.all([
      script('seed', [], { OPS_SERVICE_AUTH_PRIVATE_KEY_FILE: opsKeyFile }),
      script('scan', ['--limit', '0']),
      script('drop', ['--prod']),
    ]);
    expect(seed.code).toBe(1);
    expect(seed.stderr.trim().split('\n')).toHaveLength(1);
    expect(seed.stderr).toMatch(
      /^error: the users service is not reachable at http:\/\/127.0.0.1:9 .*scripts\/db\/seed first/,
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('must be a positive integer');
    expect([drop.code, drop.stderr.trim()]).toEqual([
      1,
      'error: refusing to delete an AWS table without --yes',
    ]);
  });
});
