import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { createTestUserPool, dynamoClient, testStack, uniqueName } from '@cruddur/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { dropDatabase } from './db/lib/database.ts';
import { REPO_ROOT } from './lib/script-env.ts';

/** `scripts/setup` hands each step the caller's environment, not .data/local.env on top of it. */
describe('scripts/setup', () => {
  const stack = testStack();
  const dir = mkdtempSync(join(tmpdir(), 'setup-env-'));
  const localEnv = join(dir, 'local.env');
  const databaseUrl = (name: string) => {
    const url = new URL(stack.postgresUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const fromFile = { db: uniqueName('setupfile').replace(/-/g, '_'), table: uniqueName('setup-file-msgs') };
  const explicit = { db: uniqueName('setupenv').replace(/-/g, '_'), table: uniqueName('setup-env-msgs') };
  const leases = uniqueName('setup-file-leases');

  afterAll(async () => {
    const ddb = dynamoClient(stack);
    await Promise.allSettled([
      ...[explicit.table, fromFile.table, leases].map((TableName) =>
        ddb.send(new DeleteTableCommand({ TableName })),
      ),
      dropDatabase(databaseUrl(explicit.db)),
      dropDatabase(databaseUrl(fromFile.db)),
    ]);
    ddb.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets a variable set by the caller win over .data/local.env in every step', async () => {
    // The Cognito linking step runs with --skip-seed too, and finds no users to link in a fresh pool.
    const pool = await createTestUserPool(stack);
    writeFileSync(
      localEnv,
      [
        `COGNITO_ENDPOINT=${pool.endpoint}`,
        `COGNITO_USER_POOL_ID=${pool.userPoolId}`,
        `DATABASE_URL=${databaseUrl(fromFile.db)}`,
        `DDB_ENDPOINT=${stack.dynamodbEndpoint}`,
        `DDB_MESSAGE_TABLE=${fromFile.table}`,
        `DDB_LEASE_TABLE=${leases}`,
      ].join('\n'),
    );
    // Each step's own output reaches setup's stderr; setup's stdout has its "==> step" lines.
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', join(REPO_ROOT, 'scripts', 'setup.ts'), '--skip-seed'],
        {
          cwd: REPO_ROOT,
          timeout: 90_000,
          env: {
            ...process.env,
            CRUDDUR_LOCAL_ENV: localEnv,
            DATABASE_URL: databaseUrl(explicit.db),
            DDB_MESSAGE_TABLE: explicit.table,
          },
        },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout + stderr),
      );
    });
    expect(output).toContain(`created database ${explicit.db}`);
    expect(output).toContain(`messages table ${explicit.table}: created`);
    // What the caller did not set still comes from the file.
    expect(output).toContain(`leases table ${leases}: created`);
    expect(output).not.toContain(fromFile.db);
    expect(output).not.toContain(fromFile.table);
  });
});
