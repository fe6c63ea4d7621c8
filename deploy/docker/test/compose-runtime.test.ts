import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureServiceKeys } from '../../../packages/service-auth/src/key-files.ts';
import { BUNDLE_EXTERNALS, bundleService, REPO_ROOT, SERVICES } from '../src/bundle.ts';
import { loadCompose, serviceEnv } from '../src/compose.ts';

// Runs the emulators with the exact files compose mounts (fauxqs init JSON, Cognito state) and the bundles the
// images run, without Docker: what compose wires by name (queue URLs, topic ARN, pool, client, issuer) must exist.

const require = createRequire(import.meta.url);
const compose = loadCompose();
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let scratch = '';
let fauxqs: FauxqsServer;
let cognito: ChildProcess | undefined;
let cognitoUrl = '';
let sqs: SQSClient;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One call of the Cognito JSON protocol (the emulator does not check signatures). */
async function cognitoCall<T>(action: string, body: unknown): Promise<T> {
  const res = await fetch(cognitoUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${action}`,
    },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${action}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Compose's service hostnames, pointed at what this test runs on loopback. */
function onLoopback(env: Record<string, string>, hosts: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [
      k,
      Object.entries(hosts).reduce((acc, [from, to]) => acc.replaceAll(from, to), v),
    ]),
  );
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'cruddur-compose-runtime-'));
  fauxqs = await startFauxqs({
    port: 0,
    host: '127.0.0.1',
    logger: false,
    init: join(REPO_ROOT, 'deploy/docker/fauxqs-init.json'),
  });
  sqs = new SQSClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${fauxqs.port}`, credentials });

  // The state the cognito-state service copies into the emulator's volume, plus a loopback port.
  const state = join(scratch, 'cognito');
  cpSync(join(REPO_ROOT, 'deploy/docker/cognito'), join(state, '.cognito'), { recursive: true });
  const port = await freePort();
  cognitoUrl = `http://127.0.0.1:${port}`;
  const config = JSON.parse(readFileSync(join(state, '.cognito/config.json'), 'utf8'));
  config.ServerConfig = { hostname: '127.0.0.1', port };
  writeFileSync(join(state, '.cognito/config.json'), JSON.stringify(config));
  const entry = join(dirname(require.resolve('cognito-local/package.json')), 'lib/bin/start.js');
  cognito = spawn(process.execPath, [entry], {
    cwd: state,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DEBUG: '' },
    stdio: 'ignore',
  });
  await vi.waitFor(
    async () => {
      const res = await fetch(`${cognitoUrl}/health`);
      if (!res.ok) throw new Error(`cognito-local answered ${res.status}`);
    },
    { timeout: 20_000, interval: 100 },
  );
}, 60_000);

afterAll(async () => {
  cognito?.kill('SIGTERM');
  await fauxqs?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('SQS/SNS as compose declares them', () => {
  it('every queue URL in the services environment exists, and the work queues redrive to their DLQ', async () => {
    const urls = new Set<string>();
    for (const name of SERVICES) {
      for (const [key, value] of Object.entries(serviceEnv(compose, name))) {
        if (key.endsWith('_QUEUE_URL') || key.endsWith('_DLQ_URL')) urls.add(value);
      }
    }
    expect([...urls].sort()).toEqual([
      'http://fauxqs:4566/000000000000/stream-dlq',
      'http://fauxqs:4566/000000000000/users-events',
      'http://fauxqs:4566/000000000000/users-events-dlq',
    ]);
    for (const url of urls) {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
      );
      expect(Attributes?.QueueArn).toBe(`arn:aws:sqs:us-east-1:000000000000:${url.split('/').at(-1)}`);
    }
    for (const queue of ['users-events', 'message-events']) {
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queue }));
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['RedrivePolicy'] }),
      );
      const redrive = JSON.parse(Attributes!.RedrivePolicy!);
      expect(redrive.deadLetterTargetArn).toBe(`arn:aws:sqs:us-east-1:000000000000:${queue}-dlq`);
      expect(Number(redrive.maxReceiveCount)).toBe(5);
      await expect(sqs.send(new GetQueueUrlCommand({ QueueName: `${queue}-dlq` }))).resolves.toBeDefined();
    }
  });

  it('the topic the services publish to fans out, raw, to the message-events queue', async () => {
    const topicArn = serviceEnv(compose, 'stream-consumer').MESSAGE_EVENTS_TOPIC_ARN!;
    expect(serviceEnv(compose, 'gateway').MESSAGE_EVENTS_TOPIC_ARN).toBe(topicArn);
    const sns = new SNSClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${fauxqs.port}`,
      credentials,
    });
    const body = JSON.stringify({ id: 'probe', type: 'inbox.updated' });
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: body }));
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'message-events' }));
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 2 }));
    expect(Messages?.map((m) => m.Body)).toEqual([body]);
  });
});

describe('Cognito emulator state as compose seeds it', () => {
  it('issues access tokens whose issuer and client are the ones the gateway is configured with', async () => {
    const gateway = serviceEnv(compose, 'gateway');
    const poolId = gateway.COGNITO_USER_POOL_ID!;
    const clientId = gateway.COGNITO_CLIENT_ID!;
    const created = await cognitoCall<{ User: { Username: string } }>('AdminCreateUser', {
      UserPoolId: poolId,
      Username: 'probe@example.com',
      MessageAction: 'SUPPRESS',
      UserAttributes: [{ Name: 'email', Value: 'probe@example.com' }],
    });
    const username = created.User.Username;
    await cognitoCall('AdminSetUserPassword', {
      UserPoolId: poolId,
      Username: username,
      Password: 'Probe-password-1',
      Permanent: true,
    });
    const auth = await cognitoCall<{ AuthenticationResult: { AccessToken: string } }>('InitiateAuth', {
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: clientId,
      AuthParameters: { USERNAME: username, PASSWORD: 'Probe-password-1' },
    });
    const payload = JSON.parse(
      Buffer.from(auth.AuthenticationResult.AccessToken.split('.')[1]!, 'base64url').toString(),
    );
    expect(payload).toMatchObject({ iss: gateway.COGNITO_ISSUER, client_id: clientId, token_use: 'access' });
    expect(serviceEnv(compose, 'init')).toMatchObject({
      COGNITO_USER_POOL_ID: poolId,
      COGNITO_CLIENT_ID: clientId,
    });
  });
});

describe('the bundles the images run', () => {
  it('each service bundles into one file that needs nothing but Node built-ins at run time', async () => {
    for (const name of SERVICES) {
      const { outfile, imports, inputs } = await bundleService(name, join(scratch, 'bundles', name), {
        minify: false,
      });
      expect(outfile.endsWith('main.mjs')).toBe(true);
      // Only its own code: no other service's source is pulled into this image.
      const others = SERVICES.filter((s) => s !== name);
      expect(
        inputs.filter((i) => others.some((o) => i.startsWith(`services/${o}/`))),
        name,
      ).toEqual([]);
      expect(inputs, name).toContain(`services/${name}/src/main.ts`);
      const outside = imports.filter(
        (i) => !i.startsWith('node:') && !builtinModules.includes(i) && !BUNDLE_EXTERNALS.includes(i),
      );
      expect(outside, name).toEqual([]);
    }
  }, 60_000);

  it('the gateway bundle starts with the compose environment, answers /healthz, and exits 0 on SIGTERM', async () => {
    const outdir = join(scratch, 'gateway-run');
    const { outfile } = await bundleService('gateway', outdir);
    const port = await freePort();
    // The keys volume as init leaves it (scripts/ops/service-keys --out /keys), here in a scratch directory.
    const keys = await ensureServiceKeys(join(scratch, 'keys'));
    const env = onLoopback(serviceEnv(compose, 'gateway'), {
      '/keys/': `${keys.dir}/`,
      'http://fauxqs:4566': `http://127.0.0.1:${fauxqs.port}`,
      'http://cognito:9229': cognitoUrl,
      // Nothing listens on port 9: the upstreams are down, which /healthz must not care about.
      'http://users:4571': 'http://127.0.0.1:9',
      'http://messaging:4572': 'http://127.0.0.1:9',
      'http://dynamodb:8000': 'http://127.0.0.1:9',
    });
    const child = spawn(process.execPath, [outfile], {
      cwd: outdir,
      env: { PATH: process.env.PATH, ...env, PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += String(d);
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await expect
        .poll(
          () =>
            fetch(`http://127.0.0.1:${port}/healthz`).then(
              (r) => r.status,
              () => 0,
            ),
          {
            timeout: 15_000,
          },
        )
        .toBe(200);
    } catch (err) {
      throw new Error(`gateway bundle did not become healthy: ${stderr}`, { cause: err });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 30_000);
});
