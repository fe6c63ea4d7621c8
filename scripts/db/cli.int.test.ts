import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestUserPool, testStack, uniqueName } from '@cruddur/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../lib/script-env.ts';
import { SEED_PASSWORD, SEED_USERS } from '../lib/seed-users.ts';
import { dropDatabase } from './lib/database.ts';

const stack = testStack();
const dbName = uniqueName('dbcli').replace(/-/g, '_');
const databaseUrl = (() => {
  const url = new URL(stack.postgresUrl);
  url.pathname = `/${dbName}`;
  return url.toString();
})();
afterAll(() => dropDatabase(databaseUrl).catch(() => undefined));

/** Runs a db script the way its bash shim does (node with tsx), with stdin not a terminal. */
function run(script: string, args: string[] = [], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', `scripts/db/${script}.ts`, ...args],
      { cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL: databaseUrl, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

// Concurrent: each test spawns processes and waits on them; the two share nothing.
describe.concurrent('db scripts as commands', () => {
  // Ten fresh Node processes compiling TypeScript, one after another: 23 s in a passing CI run, over 30 s in another.
  it('create, migrate, seed, link and drop: each safe to run twice, each saying what it did', {
    timeout: 90_000,
  }, async () => {
    expect(await run('create')).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`created database ${dbName}`),
    });
    const second = await run('create');
    expect(second.stdout).toContain(`database ${dbName} on 127.0.0.1`);
    expect(second.stdout).toContain('already exists');

    expect((await run('migrate')).stdout).toMatch(/applied 1764028800000_users-and-outbox/);
    expect(await run('migrate')).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('already up to date'),
    });

    const pool = await createTestUserPool(stack);
    const cognitoEnv = { COGNITO_ENDPOINT: stack.cognitoEndpoint, COGNITO_USER_POOL_ID: pool.userPoolId };
    const seeded = await run('seed', [], cognitoEnv);
    expect(seeded.code).toBe(0);
    for (const u of SEED_USERS)
      expect(seeded.stdout).toMatch(new RegExp(`^${u.handle} \\(sub .+\\): created in Cognito`, 'm'));
    const again = await run('seed', [], cognitoEnv);
    expect(again.stdout.match(/: unchanged$/gm)).toHaveLength(SEED_USERS.length);

    const linked = await run('update-cognito-user-ids', [], cognitoEnv);
    expect(linked).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('4 Cognito users: 0 linked, 4 already linked'),
    });

    const refused = await run('drop');
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(
      `error: refusing to drop ${dbName} on 127.0.0.1:${new URL(databaseUrl).port} without --yes`,
    );
    expect((await run('drop', ['--yes'])).stdout).toContain(`dropped database ${dbName}`);
  });

  it('fails with one clear line and a non-zero exit when the database is unreachable or the config is bad', async () => {
    const down = await run('migrate', [], {
      DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:1/nowhere',
    });
    expect(down.code).toBe(1);
    expect(down.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^error: could not migrate nowhere on 127\.0\.0\.1:1: .*ECONNREFUSED/),
    ]);

    const bad = await run('create', [], { DATABASE_URL: 'mysql://nope' });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toMatch(
      /^error: invalid configuration \(DATABASE_URL: must be a postgres:\/\/ URL\)$/,
    );
  });

  it('never creates the demo users in a real pool by accident, nor with the published password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seed-password-'));
    const published = join(dir, 'published');
    writeFileSync(published, `${SEED_PASSWORD}\n`);
    const short = join(dir, 'short');
    writeFileSync(short, 'too-short');
    // No emulator endpoint: the SDK would talk to AWS, so the pool counts as real even without --prod.
    const real = { COGNITO_ENDPOINT: '', COGNITO_USER_POOL_ID: 'us-east-1_RealPool1' };
    const attempts = await Promise.all([
      run('seed', ['--prod'], real),
      run('seed', [], real),
      run('seed', ['--prod', '--create-in-real-pool'], real),
      run('seed', ['--prod', '--create-in-real-pool', '--password-file', published], real),
      run('seed', ['--prod', '--create-in-real-pool', '--password-file', short], real),
    ]);
    expect(attempts.map((a) => [a.code, a.stderr.trim()])).toEqual([
      [1, expect.stringMatching(/^error: refusing to create the demo users in a real Cognito user pool/)],
      [1, expect.stringMatching(/^error: refusing to create the demo users in a real Cognito user pool/)],
      [1, 'error: --create-in-real-pool needs --password-file <file>'],
      [1, expect.stringContaining('the published local password')],
      [1, 'error: the password must have at least 12 characters'],
    ]);
  });
});
