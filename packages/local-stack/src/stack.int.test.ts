import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startLocalStack } from './stack.ts';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the launcher CLI as its own process and resolves with the pids it reports once ready. */
async function launch(args: string[] = []): Promise<{ child: ChildProcess; pids: number[] }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, '--only', 'dynamodb,sqs,postgres', ...args],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, LOG_LEVEL: 'silent' },
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, 'line')) as [string];
  return { child, pids: (JSON.parse(line) as { pids: number[] }).pids };
}

describe('local stack lifecycle', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('stops every process it started on %s', async (signal) => {
    const { child, pids } = await launch();
    expect(pids).toHaveLength(3);
    expect(pids.every(alive)).toBe(true);
    child.kill(signal);
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    // The launcher waited for each child's exit, so nothing may be left, not even for a moment.
    expect(pids.filter(alive)).toEqual([]);
  });

  it('leaves no process behind when the launcher itself is killed -9 (watchdog)', async () => {
    const { child, pids } = await launch();
    child.kill('SIGKILL');
    await once(child, 'exit');
    await vi.waitFor(() => expect(pids.filter(alive)).toEqual([]), { timeout: 10_000, interval: 200 });
  });

  // Each starts the dependencies (Java among them) twice: 15-20 s in CI runs, near the 30 s default.
  it('keeps data on disk between runs with a data dir', { timeout: 60_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stack-persist-'));
    dirs.push(dataDir);
    const first = await startLocalStack({ dataDir, only: ['postgres', 'dynamodb', 'sqs'] });
    const ddb = new DynamoDBClient({ region: 'us-east-1', endpoint: first.endpoints.dynamodbEndpoint });
    await ddb.send(
      new CreateTableCommand({
        TableName: 'kept',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    const sqs = new SQSClient({ region: 'us-east-1', endpoint: first.endpoints.sqsEndpoint });
    await sqs.send(new CreateQueueCommand({ QueueName: 'kept-queue' }));
    const client = new pg.Client({ connectionString: first.endpoints.postgresUrl });
    await client.connect();
    await client.query('create table kept (id int)');
    await client.end();
    const ports = { postgres: first.postgres.port, dynamodb: first.dynamodb.port, sqs: first.sqs.port };
    await first.stop();

    const second = await startLocalStack({ dataDir, only: ['postgres', 'dynamodb', 'sqs'], ports });
    try {
      expect((await ddb.send(new ListTablesCommand({}))).TableNames).toContain('kept');
      expect(
        (await sqs.send(new ListQueuesCommand({}))).QueueUrls?.some((u) => u.endsWith('/kept-queue')),
      ).toBe(true);
      const again = new pg.Client({ connectionString: second.endpoints.postgresUrl });
      await again.connect();
      expect((await again.query("select to_regclass('kept') as t")).rows[0].t).toBe('kept');
      await again.end();
    } finally {
      await second.stop();
      ddb.destroy();
      sqs.destroy();
    }
  });

  it('brings a crashed dependency back on the same port with its data (disk mode)', {
    timeout: 60_000,
  }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stack-crash-'));
    dirs.push(dataDir);
    const stack = await startLocalStack({ dataDir, only: ['dynamodb'] });
    const ddb = new DynamoDBClient({ region: 'us-east-1', endpoint: stack.endpoints.dynamodbEndpoint });
    try {
      await ddb.send(
        new CreateTableCommand({
          TableName: 'survivor',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        }),
      );
      const before = stack.dynamodb.pid;
      await stack.crashAndRestart('dynamodb');
      expect(stack.dynamodb.pid).not.toBe(before);
      expect(before !== undefined && alive(before)).toBe(false);
      expect((await ddb.send(new ListTablesCommand({}))).TableNames).toContain('survivor');
    } finally {
      ddb.destroy();
      await stack.stop();
    }
  });
});

/** A starter that dies of an uncaught error must not leave what it started running (dependencies, services). */
describe('killWithThisProcess', () => {
  const dir = mkdtempSync(join(tmpdir(), 'service-exit-'));
  let orphan: number | undefined;
  afterAll(() => {
    if (orphan !== undefined && alive(orphan)) process.kill(orphan, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('kills a registered child when its starter throws', async () => {
    const starter = join(dir, 'starter.ts');
    writeFileSync(
      starter,
      [
        "import { spawn } from 'node:child_process';",
        `import { killWithThisProcess } from ${JSON.stringify(join(import.meta.dirname, 'process.ts'))};`,
        "const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], { stdio: 'ignore' });",
        'killWithThisProcess(child);',
        'console.log(child.pid);',
        "setTimeout(() => { throw new Error('the starter fails'); }, 200);",
      ].join('\n'),
    );
    const run = spawn(process.execPath, ['--import', 'tsx', starter], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    run.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    const [code] = (await once(run, 'exit')) as [number | null];
    expect(code).toBe(1);
    orphan = Number(out.trim());
    expect(orphan).toBeGreaterThan(0);
    // SIGKILL is sent from the starter's exit hook; its delivery takes a moment.
    for (let waited = 0; alive(orphan) && waited < 5_000; waited += 50)
      await new Promise((r) => setTimeout(r, 50));
    expect(alive(orphan)).toBe(false);
  });
});
