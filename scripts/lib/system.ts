import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  assertPortsFree,
  DEPENDENCY_LABELS,
  type DependencyName,
  dynamoDbLocalEndpoint,
  freePort,
  type LocalStack,
  lastLine,
  StartupError,
  startLocalStack,
} from '@cruddur/local-stack';
import { type Logger, silentLogger } from '@cruddur/logger';
import { ensureServiceKeys } from '@cruddur/service-auth';
import { migrateUsersDatabase } from '@cruddur/users';
import { createDatabase } from '../db/lib/database.ts';
import { loadSchema } from '../ddb/lib/tables.ts';
import { ensureBundles } from './bundles.ts';
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
  type RunMode,
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

/**
 * The steps of a start; each dependency is a step of its own inside `dependencies`. Steps overlap: each
 * dependency's own setup starts as soon as it answers, and the bundles are checked meanwhile.
 */
export type StepName =
  | DependencyName
  | 'dependencies'
  | 'build'
  | 'provision'
  | 'schemas'
  | 'services'
  | 'seed';

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
  /** `bundle` (default): the production bundles, built first when older than their sources; `dev`: tsx, restart on change. */
  mode?: RunMode;
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

/** A promise and its resolve, for a step that waits on another's event. */
function later<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const MESSAGE_TABLE = 'cruddur-messages';
const LEASE_TABLE = 'cruddur-stream-leases';
const CONNECTION_TABLE = 'cruddur-connections';
const REGION = 'us-east-1';
// Emulators accept any credentials; explicit ones keep a developer's real AWS profile out of it.
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Brings up the whole system: the local stack, queues/topic/user pool, schemas, the four services as
 * separate processes and (optionally) seed data. Used by `scripts/up`, fault injection and benchmarks.
 * Each dependency's setup starts as soon as that dependency answers (the users database once PostgreSQL
 * does, the tables once DynamoDB Local does, queues and the pool once SQS and Cognito do), while the slowest
 * one is still starting; the schema steps run in this process, with the same code `scripts/setup` runs.
 */
export async function startSystem(options: SystemOptions = {}): Promise<RunningSystem> {
  const logger = options.logger ?? silentLogger;
  const fixed = options.ports === 'fixed';
  const output = options.output ?? 'ignore';
  const mode = options.mode ?? 'bundle';
  const wanted = new Set(options.services ?? SERVICE_NAMES);
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

  const services: Partial<Record<ServiceName, ServiceProcess>> = {};
  // Keys made for a throwaway system go with it; the developer stack keeps .data/keys across runs.
  const temporaryKeys =
    options.keysDir === undefined && !fixed ? mkdtempSync(join(tmpdir(), 'cruddur-keys-')) : undefined;
  let stack: LocalStack | undefined;
  const stopAll = async () => {
    for (const name of [...SERVICE_NAMES].reverse()) await services[name]?.stop();
    for (const service of Object.values(services)) service.closeLog();
    await stack?.stop();
    if (temporaryKeys) rmSync(temporaryKeys, { recursive: true, force: true });
  };

  // Filled in as steps finish; each service starts with what is known once its own prerequisites are done.
  const env: Record<string, string> = baseEnv();
  let stackStarted: Promise<LocalStack> | undefined;
  let aborted = false;
  try {
    // Every fixed port at once, the services' too, so one line names all that are taken, before anything starts.
    if (fixed) await assertPortsFree(namedPorts());
    // DynamoDB Local's port is chosen here, not by the stack, so its address is known before it answers: the
    // messaging service needs the address to start, and its tables only to be ready (see prerequisites).
    const dependencyPorts = fixed ? DEFAULT_PORTS : { dynamodb: await freePort() };
    Object.assign(env, endpointEnv('dynamodb', dynamoDbLocalEndpoint(dependencyPorts.dynamodb)));
    const ready = {
      postgres: later<string>(),
      dynamodb: later<string>(),
      sqs: later<string>(),
      cognito: later<string>(),
    };
    stackStarted = phase('dependencies', () =>
      startLocalStack({
        dataDir: options.dataDir ? join(options.dataDir, 'stack') : undefined,
        ports: dependencyPorts,
        logDir: options.logDir,
        onReady: ({ name, ms, port, endpoint }) => {
          Object.assign(env, endpointEnv(name, endpoint));
          options.onStep?.({ step: name, state: 'done', ms, port });
          ready[name].resolve(endpoint);
        },
        logger,
      }),
    ).then((s) => {
      stack = s;
      return s;
    });
    const dependencies = stackStarted;
    // The steps below wait on dependencies that may never answer; they must not outlive a failed start.
    const orFailed = <T>(step: Promise<T>) => Promise.race([step, dependencies.then(() => step)]);

    const keysDir = options.keysDir ?? temporaryKeys ?? join(REPO_ROOT, '.data', 'keys');
    const build = mode === 'bundle' ? phase('build', () => ensureBundles([...wanted])) : Promise.resolve([]);
    const provisioned = orFailed(
      Promise.all([ready.sqs.promise, ready.cognito.promise]).then(([sqsEndpoint, cognitoEndpoint]) =>
        phase('provision', async () => {
          const [queues, keys] = await Promise.all([
            provision(sqsEndpoint, cognitoEndpoint),
            ensureServiceKeys(keysDir),
          ]);
          // Every service trusts the public set; scripts sign as operators; each caller gets its own key below.
          Object.assign(env, queues, {
            SERVICE_KEYS_DIR: keys.dir,
            SERVICE_AUTH_PUBLIC_KEYS_FILE: keys.publicKeysPath,
            OPS_SERVICE_AUTH_PRIVATE_KEY_FILE: keys.privateKeyPath('ops'),
          });
        }),
      ),
    );
    // Two chains, each starting when its dependency answers; the step's time is the longer one's work.
    const schemaWork: number[] = [];
    const timed = async (work: () => Promise<void>) => {
      const t = performance.now();
      await work();
      schemaWork.push(performance.now() - t);
    };
    const usersDatabase = orFailed(
      ready.postgres.promise.then((adminUrl) =>
        timed(async () => {
          const url = databaseUrl(adminUrl);
          await createDatabase(url);
          await migrateUsersDatabase(url, { logger });
        }),
      ),
    );
    const tables = orFailed(
      ready.dynamodb.promise.then((endpoint) =>
        timed(async () => {
          const client = new DynamoDBClient({ region: REGION, credentials: LOCAL_CREDENTIALS, endpoint });
          try {
            await loadSchema(client, {
              messageTable: MESSAGE_TABLE,
              leaseTable: LEASE_TABLE,
              connectionTable: CONNECTION_TABLE,
            });
          } finally {
            client.destroy();
          }
        }),
      ),
    );
    const schemas = Promise.all([usersDatabase, tables]).then(
      () => {
        const ms = Math.round(Math.max(...schemaWork));
        timings.schemas = ms;
        logger.info({ phase: 'schemas', ms }, 'phase done');
        options.onStep?.({ step: 'schemas', state: 'done', ms });
      },
      (error: unknown) => {
        options.onStep?.({ step: 'schemas', state: 'failed', error });
        throw error;
      },
    );

    const servicePorts = Object.fromEntries(
      await Promise.all(
        SERVICE_NAMES.map(async (n) => [n, fixed ? DEFAULT_PORTS[n] : await freePort()] as const),
      ),
    ) as Record<ServiceName, number>;
    env.USERS_URL = `http://127.0.0.1:${servicePorts.users}`;
    env.MESSAGING_URL = `http://127.0.0.1:${servicePorts.messaging}`;
    env.GATEWAY_URL = `http://127.0.0.1:${servicePorts.gateway}`;

    // What each service needs before it can start: users its database, all of them the queues and keys. The
    // others start while DynamoDB Local boots and turn ready once the tables exist (messaging asks for them in
    // /readyz, the gateway retries its connection-registry announcement, the stream consumer waits for them
    // before it takes shards), so their own starts overlap the slowest dependency's instead of following it.
    // The gateway is ready only once users and messaging are.
    const prerequisites: Record<ServiceName, Promise<unknown>[]> = {
      users: [usersDatabase, provisioned],
      messaging: [provisioned],
      'stream-consumer': [provisioned],
      gateway: [provisioned],
    };
    let servicesStarted: number | undefined;
    const servicesUp = Promise.all(
      SERVICE_NAMES.filter((n) => wanted.has(n)).map(async (name) => {
        await Promise.all([...prerequisites[name], build]);
        // Another step failed meanwhile and everything is being stopped: start nothing more.
        if (aborted) return;
        servicesStarted ??= performance.now();
        const service = new ServiceProcess(
          name,
          servicePorts[name],
          { ...env, ...signingKeyEnv(name, env), ...options.serviceEnv?.[name] },
          output,
          mode,
        );
        services[name] = service;
        // Each service's own start, from its spawn to its /readyz green, beside the whole phase's.
        const spawned = performance.now();
        await service.start();
        timings[`service:${name}`] = Math.round(performance.now() - spawned);
      }),
    ).then(
      () => {
        const ms = Math.round(performance.now() - (servicesStarted ?? performance.now()));
        timings.services = ms;
        logger.info({ phase: 'services', ms }, 'phase done');
        options.onStep?.({ step: 'services', state: 'done', ms });
      },
      (error: unknown) => {
        options.onStep?.({ step: 'services', state: 'failed', error });
        throw error;
      },
    );
    const [started] = await Promise.all([dependencies, provisioned, schemas, build, servicesUp]);
    Object.assign(
      timings,
      Object.fromEntries(Object.entries(started.timings).map(([k, v]) => [`dependency:${k}`, v])),
    );

    const runScript = (name: string, args: string[] = []) => runTsScript(name, args, env, output);
    if (options.seed) {
      await phase('seed', async () => {
        await runScript('db/seed');
        // The conversation seed reads users through the users service, which must be up by now.
        await runScript('ddb/seed');
      });
    }

    return { stack: started, env, services, gatewayUrl: env.GATEWAY_URL, timings, runScript, stop: stopAll };
  } catch (err) {
    // A start that failed half-way: whatever is up goes down, the stack once it has finished starting (a
    // stack that fails to start stops what it started itself).
    aborted = true;
    await stackStarted?.catch(() => undefined);
    await stopAll();
    throw err;
  }
}

/** The users database on the stack's PostgreSQL, from its admin URL. */
function databaseUrl(adminUrl: string): string {
  const url = new URL(adminUrl);
  url.pathname = '/cruddur';
  return url.toString();
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

/** What every service and script is given whatever the stack's ports: region, credentials, tables, flags. */
function baseEnv(): Record<string, string> {
  return {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    LOG_LEVEL: 'info',
    DDB_MESSAGE_TABLE: MESSAGE_TABLE,
    DDB_LEASE_TABLE: LEASE_TABLE,
    DDB_CONNECTION_TABLE: CONNECTION_TABLE,
    // The Cognito emulator's issuer is http and its signing key is published: trusted only here.
    AUTH_LOCAL_TRUST: 'true',
    CORS_ORIGINS: LOCAL_CORS_ORIGINS,
  };
}

/** The env vars that point at one dependency, once it answers. */
function endpointEnv(name: DependencyName, endpoint: string): Record<string, string> {
  switch (name) {
    case 'postgres':
      return { DATABASE_URL: databaseUrl(endpoint), POSTGRES_ADMIN_URL: endpoint };
    case 'dynamodb':
      return { DDB_ENDPOINT: endpoint };
    case 'sqs':
      return { SQS_ENDPOINT: endpoint, SNS_ENDPOINT: endpoint };
    case 'cognito':
      return { COGNITO_ENDPOINT: endpoint };
  }
}

/** Queues, the topic and the user pool, on the SQS/SNS and Cognito emulators; their URLs and ids as env vars. */
async function provision(sqsEndpoint: string, cognitoEndpoint: string): Promise<Record<string, string>> {
  const credentials = LOCAL_CREDENTIALS;
  const sqs = new SQSClient({ region: REGION, credentials, endpoint: sqsEndpoint });
  const sns = new SNSClient({ region: REGION, credentials, endpoint: sqsEndpoint });
  const cognito = new CognitoIdentityProviderClient({
    region: REGION,
    credentials,
    endpoint: cognitoEndpoint,
  });
  try {
    const [usersEvents, messageEvents, streamDlq, pool] = await Promise.all([
      ensureQueueWithDlq(sqs, 'users-events'),
      ensureQueueWithDlq(sqs, 'message-events'),
      ensureQueue(sqs, 'stream-dlq'),
      ensureUserPool(cognito, LOCAL_USER_POOL_NAME),
    ]);
    const topicArn = await ensureTopicFanout(sns, 'message-events', [messageEvents.arn]);
    return {
      USERS_EVENTS_QUEUE_URL: usersEvents.url,
      USERS_EVENTS_DLQ_URL: usersEvents.dlqUrl,
      MESSAGE_EVENTS_QUEUE_URL: messageEvents.url,
      MESSAGE_EVENTS_DLQ_URL: messageEvents.dlqUrl,
      MESSAGE_EVENTS_TOPIC_ARN: topicArn,
      STREAM_DLQ_URL: streamDlq.url,
      COGNITO_USER_POOL_ID: pool.userPoolId,
      COGNITO_CLIENT_ID: pool.clientId,
      COGNITO_ISSUER: `${cognitoEndpoint}/${pool.userPoolId}`,
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
