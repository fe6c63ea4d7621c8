import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  assertPortsFree,
  DEPENDENCY_LABELS,
  type DependencyName,
  freePort,
  type LocalStack,
  lastLine,
  StartupError,
  startLocalStack,
} from '@cruddur/local-stack';
import { type Logger, silentLogger } from '@cruddur/logger';
import { ensureServiceKeys } from '@cruddur/service-auth';
import {
  CognitoIdentityProviderClient,
  ensureQueue,
  ensureQueueWithDlq,
  ensureTopicFanout,
  ensureUserPool,
} from './provision.ts';
import { localEnvFile, REPO_ROOT } from './script-env.ts';
import { LOCAL_USER_POOL_NAME } from './seed-users.ts';
import {
  type OutputMode,
  SERVICE_NAMES,
  type ServiceName,
  ServiceProcess,
  signingKeyEnv,
} from './service-process.ts';

/** Fixed ports of the developer stack (docs/contracts.md); tests and benchmarks use free ports instead. */
export const DEFAULT_PORTS = {
  postgres: 54329,
  dynamodb: 8000,
  sqs: 4566,
  cognito: 9229,
  gateway: 4567,
  users: 4571,
  messaging: 4572,
  'stream-consumer': 4573,
} as const;

/** The steps of a start, in order; each dependency is a step of its own inside `dependencies`. */
export type StepName = DependencyName | 'dependencies' | 'provision' | 'schemas' | 'services' | 'seed';

/** A step finished (with its time, and its port for a dependency) or failed (with its error). */
export type StepEvent =
  | { step: StepName; state: 'done'; ms: number; port?: number }
  | { step: StepName; state: 'failed'; error: unknown };

export interface SystemOptions {
  /** Keep every dependency's data on disk here; unset = in-memory, gone on stop. */
  dataDir?: string | undefined;
  /** 'fixed' uses DEFAULT_PORTS (the developer stack); 'free' picks free ports (tests, benchmarks, fault injection). */
  ports?: 'fixed' | 'free';
  services?: readonly ServiceName[];
  /** Run the seed scripts (users, Cognito, conversations). */
  seed?: boolean;
  /** Where service and script output goes. */
  output?: OutputMode;
  /** Where each dependency's output goes (`<logDir>/<name>.log`); unset keeps only its tail, for errors. */
  logDir?: string | undefined;
  /** Told as each step finishes or fails, e.g. to print one line per step. */
  onStep?: (event: StepEvent) => void;
  /** Where the services' signing keys live; default `.data/keys` for the developer stack, a temp dir otherwise. */
  keysDir?: string;
  /** Extra env for the services (e.g. shorter lease durations in tests). */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  logger?: Logger;
}

export interface RunningSystem {
  stack: LocalStack;
  /** Every value a service or script needs, as env vars (also written to .data/local.env by `up`). */
  env: Record<string, string>;
  services: Partial<Record<ServiceName, ServiceProcess>>;
  gatewayUrl: string;
  /** Milliseconds per phase, for the cold-start benchmark. */
  timings: Record<string, number>;
  runScript(name: string, args?: string[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Brings up the whole system: the local stack, queues/topic/user pool, schemas, the four services as
 * separate processes and (optionally) seed data. Used by `scripts/up`, fault injection and benchmarks.
 */
export async function startSystem(options: SystemOptions = {}): Promise<RunningSystem> {
  const logger = options.logger ?? silentLogger;
  const fixed = options.ports === 'fixed';
  const output = options.output ?? 'ignore';
  const timings: Record<string, number> = {};
  const phase = async <T>(name: StepName, fn: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      options.onStep?.({ step: name, state: 'failed', error });
      throw error;
    }
    const ms = Math.round(performance.now() - started);
    timings[name] = ms;
    logger.info({ phase: name, ms }, 'phase done');
    options.onStep?.({ step: name, state: 'done', ms });
    return result;
  };

  const stack = await phase('dependencies', async () => {
    // Every fixed port at once, the services' too, so one line names all that are taken, before anything starts.
    if (fixed) await assertPortsFree(namedPorts());
    return startLocalStack({
      dataDir: options.dataDir ? join(options.dataDir, 'stack') : undefined,
      ports: fixed ? DEFAULT_PORTS : {},
      logDir: options.logDir,
      onReady: ({ name, ms, port }) => options.onStep?.({ step: name, state: 'done', ms, port }),
      logger,
    });
  });
  Object.assign(
    timings,
    Object.fromEntries(Object.entries(stack.timings).map(([k, v]) => [`dependency:${k}`, v])),
  );
  const services: Partial<Record<ServiceName, ServiceProcess>> = {};
  // Keys made for a throwaway system go with it; the developer stack keeps .data/keys across runs.
  const temporaryKeys =
    options.keysDir === undefined && !fixed ? mkdtempSync(join(tmpdir(), 'cruddur-keys-')) : undefined;
  const stopAll = async () => {
    for (const name of [...SERVICE_NAMES].reverse()) await services[name]?.stop();
    for (const service of Object.values(services)) service.closeLog();
    await stack.stop();
    if (temporaryKeys) rmSync(temporaryKeys, { recursive: true, force: true });
  };

  try {
    const keysDir = options.keysDir ?? temporaryKeys ?? join(REPO_ROOT, '.data', 'keys');
    const [env, keys] = await phase('provision', () =>
      Promise.all([provision(stack), ensureServiceKeys(keysDir)]),
    );
    // Every service trusts the public set; scripts sign as operators; each caller gets its own key below.
    env.SERVICE_KEYS_DIR = keys.dir;
    env.SERVICE_AUTH_PUBLIC_KEYS_FILE = keys.publicKeysPath;
    env.OPS_SERVICE_AUTH_PRIVATE_KEY_FILE = keys.privateKeyPath('ops');
    const servicePorts = Object.fromEntries(
      await Promise.all(
        SERVICE_NAMES.map(async (n) => [n, fixed ? DEFAULT_PORTS[n] : await freePort()] as const),
      ),
    ) as Record<ServiceName, number>;
    env.USERS_URL = `http://127.0.0.1:${servicePorts.users}`;
    env.MESSAGING_URL = `http://127.0.0.1:${servicePorts.messaging}`;
    env.GATEWAY_URL = `http://127.0.0.1:${servicePorts.gateway}`;

    const runScript = (name: string, args: string[] = []) => runTsScript(name, args, env, output);
    await phase('schemas', async () => {
      await runScript('db/create');
      await runScript('db/migrate');
      await runScript('ddb/schema-load');
    });

    const wanted = new Set(options.services ?? SERVICE_NAMES);
    await phase('services', () =>
      Promise.all(
        SERVICE_NAMES.filter((n) => wanted.has(n)).map(async (name) => {
          const service = new ServiceProcess(
            name,
            servicePorts[name],
            { ...env, ...signingKeyEnv(name, env), ...options.serviceEnv?.[name] },
            output,
          );
          services[name] = service;
          await service.start();
        }),
      ),
    );

    if (options.seed) {
      await phase('seed', async () => {
        await runScript('db/seed');
        // The conversation seed reads users through the users service, which must be up by now.
        await runScript('ddb/seed');
      });
    }

    return { stack, env, services, gatewayUrl: env.GATEWAY_URL, timings, runScript, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** The fixed ports with what listens there, for the message when one is taken. */
function namedPorts() {
  return Object.entries(DEFAULT_PORTS).map(([name, port]) => ({
    name: name in DEPENDENCY_LABELS ? DEPENDENCY_LABELS[name as DependencyName] : `${name} service`,
    port,
  }));
}

/** The reference frontend's dev server, under both of the names a browser may use for it. */
export const LOCAL_CORS_ORIGINS = 'http://localhost:3000,http://127.0.0.1:3000';

async function provision(stack: LocalStack): Promise<Record<string, string>> {
  const region = 'us-east-1';
  // Emulators accept any credentials; explicit ones keep a developer's real AWS profile out of it.
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const sqs = new SQSClient({ region, credentials, endpoint: stack.endpoints.sqsEndpoint });
  const sns = new SNSClient({ region, credentials, endpoint: stack.endpoints.sqsEndpoint });
  const cognito = new CognitoIdentityProviderClient({
    region,
    credentials,
    endpoint: stack.endpoints.cognitoEndpoint,
  });
  try {
    const usersEvents = await ensureQueueWithDlq(sqs, 'users-events');
    const messageEvents = await ensureQueueWithDlq(sqs, 'message-events');
    const streamDlq = await ensureQueue(sqs, 'stream-dlq');
    const topicArn = await ensureTopicFanout(sns, 'message-events', [messageEvents.arn]);
    const pool = await ensureUserPool(cognito, LOCAL_USER_POOL_NAME);
    const database = new URL(stack.endpoints.postgresUrl);
    database.pathname = '/cruddur';
    return {
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      LOG_LEVEL: 'info',
      DDB_ENDPOINT: stack.endpoints.dynamodbEndpoint,
      SQS_ENDPOINT: stack.endpoints.sqsEndpoint,
      SNS_ENDPOINT: stack.endpoints.sqsEndpoint,
      COGNITO_ENDPOINT: stack.endpoints.cognitoEndpoint,
      DATABASE_URL: database.toString(),
      POSTGRES_ADMIN_URL: stack.endpoints.postgresUrl,
      DDB_MESSAGE_TABLE: 'cruddur-messages',
      DDB_LEASE_TABLE: 'cruddur-stream-leases',
      USERS_EVENTS_QUEUE_URL: usersEvents.url,
      USERS_EVENTS_DLQ_URL: usersEvents.dlqUrl,
      MESSAGE_EVENTS_QUEUE_URL: messageEvents.url,
      MESSAGE_EVENTS_DLQ_URL: messageEvents.dlqUrl,
      MESSAGE_EVENTS_TOPIC_ARN: topicArn,
      STREAM_DLQ_URL: streamDlq.url,
      COGNITO_USER_POOL_ID: pool.userPoolId,
      COGNITO_CLIENT_ID: pool.clientId,
      COGNITO_ISSUER: `${stack.endpoints.cognitoEndpoint}/${pool.userPoolId}`,
      // The Cognito emulator's issuer is http and its signing key is published: trusted only here.
      AUTH_LOCAL_TRUST: 'true',
      CORS_ORIGINS: LOCAL_CORS_ORIGINS,
    };
  } finally {
    sqs.destroy();
    sns.destroy();
    cognito.destroy();
  }
}

/**
 * Runs `scripts/<name>.ts` in a child Node process with `env` over this process's environment (the
 * system being started is the one its scripts must reach). Its output goes where `output` says; a
 * failure is a StartupError with its last line, its output tail in `detail`.
 */
export function runTsScript(
  name: string,
  args: string[],
  env: Record<string, string>,
  output: OutputMode = 'ignore',
): Promise<void> {
  const command = ['scripts/' + name, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'scripts', `${name}.ts`), ...args],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const log = typeof output === 'object' ? createWriteStream(output.file, { flags: 'a' }) : undefined;
    log?.on('error', () => undefined);
    let captured = '';
    const keep = (chunk: Buffer) => {
      captured = (captured + chunk.toString('utf8')).slice(-20_000);
      if (output === 'inherit') process.stderr.write(chunk);
      log?.write(chunk);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('close', (code) => {
      log?.end();
      if (code === 0) return resolve();
      const hint =
        typeof output === 'object'
          ? `its output is in ${output.file}`
          : output === 'inherit'
            ? 'its output is above'
            : `run it alone to see its output: scripts/run ${name} ${args.join(' ')}`.trim();
      reject(
        new StartupError(`${command} failed with exit code ${code}: ${lastLine(captured)}`, hint, {
          detail: captured.slice(-3000),
        }),
      );
    });
  });
}

/** Writes the running system's env to `.data/local.env` (or CRUDDUR_LOCAL_ENV) so scripts and `scripts/token` find it. */
export function writeLocalEnv(env: Record<string, string>): string {
  const file = localEnvFile();
  mkdirSync(dirname(file), { recursive: true });
  const lines = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  writeFileSync(
    file,
    `# Written by scripts/up; read by scripts/* as defaults (the caller's environment wins).\n${lines.join('\n')}\n`,
  );
  return file;
}
