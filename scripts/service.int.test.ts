import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { freePort } from '@cruddur/local-stack';
import { connectionTableDefinition } from '@cruddur/realtime';
import { ensureServiceKeys } from '@cruddur/service-auth';
import {
  createTestTopic,
  createTestUserPool,
  dynamoClient,
  type TestTopic,
  testStack,
  uniqueName,
} from '@cruddur/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './lib/script-env.ts';
import { LOCAL_CORS_ORIGINS } from './lib/system.ts';

/**
 * `scripts/service gateway` against a local.env of its own (CRUDDUR_LOCAL_ENV), checked the way a browser
 * checks it: a CORS preflight from the reference frontend's origin.
 */
describe('scripts/service gateway', () => {
  const stack = testStack();
  const dir = mkdtempSync(join(tmpdir(), 'service-env-'));
  const localEnv = join(dir, 'local.env');
  const children: ChildProcess[] = [];
  let topic: TestTopic;
  const ddb = dynamoClient(stack);
  // The gateway announces itself in the connection registry before it serves.
  const connectionTable = uniqueName('service-gw-connections');

  beforeAll(async () => {
    await ddb.send(new CreateTableCommand(connectionTableDefinition(connectionTable)));
    const [pool, keys, created] = await Promise.all([
      createTestUserPool(stack),
      ensureServiceKeys(join(dir, 'keys')),
      createTestTopic(stack, 'service-gw'),
    ]);
    topic = created;
    // What scripts/up writes, as far as a gateway needs it; its upstreams are never called here.
    writeFileSync(
      localEnv,
      Object.entries({
        AWS_REGION: 'us-east-1',
        DDB_ENDPOINT: stack.dynamodbEndpoint,
        SQS_ENDPOINT: stack.sqsEndpoint,
        SNS_ENDPOINT: stack.sqsEndpoint,
        USERS_URL: 'http://127.0.0.1:9',
        MESSAGING_URL: 'http://127.0.0.1:9',
        COGNITO_USER_POOL_ID: pool.userPoolId,
        COGNITO_CLIENT_ID: pool.clientId,
        COGNITO_ISSUER: pool.issuer,
        AUTH_LOCAL_TRUST: 'true',
        MESSAGE_EVENTS_TOPIC_ARN: topic.arn,
        DDB_CONNECTION_TABLE: connectionTable,
        SERVICE_KEYS_DIR: keys.dir,
        SERVICE_AUTH_PUBLIC_KEYS_FILE: keys.publicKeysPath,
        CORS_ORIGINS: LOCAL_CORS_ORIGINS,
        LOG_LEVEL: 'warn',
      })
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    );
  });

  afterAll(async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }),
    );
    await topic?.drop();
    await ddb.send(new DeleteTableCommand({ TableName: connectionTable }));
    ddb.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts a gateway replica with `env` over the test's local.env; resolves with its URL once it is alive. */
  async function gateway(env: Record<string, string> = {}): Promise<string> {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'scripts', 'service.ts'), 'gateway'],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, CRUDDUR_LOCAL_ENV: localEnv, PORT: String(port), ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const url = `http://127.0.0.1:${port}`;
    await expect
      .poll(
        async () => {
          if (child.exitCode !== null) throw new Error(`scripts/service exited ${child.exitCode}: ${stderr}`);
          return (await fetch(`${url}/healthz`).catch(() => undefined))?.status;
        },
        { timeout: 60_000, interval: 200 },
      )
      .toBe(200);
    return url;
  }

  /** The origin a CORS preflight from `origin` is allowed for, if any. */
  async function allowedOrigin(url: string, origin: string): Promise<string | null> {
    const res = await fetch(`${url}/api/message_groups`, {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization',
      },
    });
    await res.body?.cancel();
    return res.headers.get('access-control-allow-origin');
  }

  it('allows the reference frontend on localhost:3000 and 127.0.0.1:3000 with the local defaults', async () => {
    const url = await gateway();
    expect(await allowedOrigin(url, 'http://localhost:3000')).toBe('http://localhost:3000');
    expect(await allowedOrigin(url, 'http://127.0.0.1:3000')).toBe('http://127.0.0.1:3000');
    expect(await allowedOrigin(url, 'http://elsewhere.example')).toBeNull();
  });

  it('takes CORS_ORIGINS given explicitly over the one in .data/local.env', async () => {
    const url = await gateway({ CORS_ORIGINS: 'http://my-host:3000' });
    expect(await allowedOrigin(url, 'http://my-host:3000')).toBe('http://my-host:3000');
    expect(await allowedOrigin(url, 'http://localhost:3000')).toBeNull();
  });

  it('drains and exits 0 on a SIGINT sent to it, not only on Ctrl-C in a terminal', async () => {
    const url = await gateway();
    const child = children.at(-1)!;
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
