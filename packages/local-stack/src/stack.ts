import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Logger, silentLogger } from '@cruddur/logger';
import { CognitoEmulator } from './emulators/cognito.ts';
import { DEPENDENCY_LABELS, type Dependency, type DependencyName } from './emulators/dependency.ts';
import { DynamoDbLocal } from './emulators/dynamodb.ts';
import { PostgresServer } from './emulators/postgres.ts';
import { SqsEmulator } from './emulators/sqs.ts';
import { assertJava } from './java.ts';
import { assertPortsFree } from './port-holder.ts';
import { freePort } from './ports.ts';

export interface LocalStackOptions {
  /** Keep data on disk in this directory between runs. Unset: everything lives in a temp dir and is deleted on stop. */
  dataDir?: string | undefined;
  /** Fixed ports; unset or 0 picks a free port (what tests do, so parallel stacks never collide). */
  ports?: Partial<Record<DependencyName, number>>;
  /** Start only some dependencies. */
  only?: DependencyName[];
  /** Append each dependency's output to `<logDir>/<name>.log`; unset keeps only its tail, for errors. */
  logDir?: string | undefined;
  /** Called as each dependency starts answering requests. */
  onReady?: (event: DependencyReady) => void;
  logger?: Logger;
}

export interface DependencyReady {
  name: DependencyName;
  port: number;
  /** Where to reach it: PostgreSQL's admin URL, the others' HTTP endpoint (as in LocalStackEndpoints). */
  endpoint: string;
  /** Milliseconds from launch to answering requests. */
  ms: number;
}

export interface LocalStackEndpoints {
  postgresUrl: string;
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  cognitoEndpoint: string;
}

export interface LocalStack {
  endpoints: LocalStackEndpoints;
  postgres: PostgresServer;
  dynamodb: DynamoDbLocal;
  sqs: SqsEmulator;
  cognito: CognitoEmulator;
  /** Milliseconds each dependency took from launch to answering requests. */
  timings: Partial<Record<DependencyName, number>>;
  /** Pids of every process the stack started (for `ps` checks and fault injection). */
  pids(): number[];
  /** kill -9 one dependency and start it again on the same port (data kept only in disk mode). */
  crashAndRestart(name: DependencyName): Promise<void>;
  stop(): Promise<void>;
}

const ALL: DependencyName[] = ['postgres', 'dynamodb', 'sqs', 'cognito'];
const WATCHDOG = fileURLToPath(new URL('./watchdog.mjs', import.meta.url));

/**
 * Starts PostgreSQL, DynamoDB Local (with streams), an SQS/SNS emulator and a Cognito emulator, all
 * from npm packages plus the machine's Java, in parallel, and waits until each answers. Expected
 * failures (a fixed port taken, no Java, a dependency that does not come up) are StartupErrors, found
 * before anything starts where they can be.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const logger = options.logger ?? silentLogger;
  const wanted = new Set(options.only ?? ALL);
  const fixedPorts = ALL.filter((n) => wanted.has(n) && options.ports?.[n]).map((n) => ({
    name: DEPENDENCY_LABELS[n],
    port: options.ports![n]!,
  }));
  await Promise.all([assertPortsFree(fixedPorts), wanted.has('dynamodb') ? assertJava() : undefined]);
  const persistent = options.dataDir !== undefined;
  const root = persistent
    ? resolve(options.dataDir!)
    : mkdtempSync(join(existsShm() ? '/dev/shm' : tmpdir(), 'cruddur-stack-'));
  mkdirSync(root, { recursive: true });
  // Postgres runs as the `postgres` user when we are root, and must be able to reach its data dir.
  chmodSync(root, 0o755);

  const port = async (name: DependencyName) => options.ports?.[name] || (await freePort());
  const [pgPort, ddbPort, sqsPort, cognitoPort] = await Promise.all(ALL.map(port));
  const logFile = (name: DependencyName) =>
    options.logDir ? join(options.logDir, `${name}.log`) : undefined;
  const postgres = new PostgresServer(pgPort!, {
    dir: join(root, 'postgres'),
    logger,
    logFile: logFile('postgres'),
  });
  const dynamodb = new DynamoDbLocal(ddbPort!, {
    dataDir: persistent ? join(root, 'dynamodb') : undefined,
    logger,
    logFile: logFile('dynamodb'),
  });
  const sqs = new SqsEmulator(sqsPort!, {
    dataDir: persistent ? join(root, 'sqs') : undefined,
    logger,
    logFile: logFile('sqs'),
  });
  const cognito = new CognitoEmulator(cognitoPort!, {
    stateDir: join(root, 'cognito'),
    logger,
    logFile: logFile('cognito'),
  });
  const deps: Record<DependencyName, Dependency> = { postgres, dynamodb, sqs, cognito };
  const endpointOf: Record<DependencyName, () => string> = {
    postgres: () => postgres.url,
    dynamodb: () => dynamodb.endpoint,
    sqs: () => sqs.endpoint,
    cognito: () => cognito.endpoint,
  };
  const active = ALL.filter((n) => wanted.has(n)).map((n) => deps[n]);

  const pidFile = join(root, 'stack.pids');
  const writePids = () => writeFileSync(pidFile, active.map((d) => d.pid ?? '').join('\n'));
  writeFileSync(pidFile, '');
  spawn(process.execPath, [WATCHDOG, String(process.pid), pidFile, persistent ? 'keep' : 'remove'], {
    detached: true,
    stdio: 'ignore',
  }).unref();

  const timings: Partial<Record<DependencyName, number>> = {};
  let stopping: Promise<void> | undefined;
  const stack: LocalStack = {
    endpoints: {
      postgresUrl: postgres.url,
      dynamodbEndpoint: dynamodb.endpoint,
      sqsEndpoint: sqs.endpoint,
      cognitoEndpoint: cognito.endpoint,
    },
    postgres,
    dynamodb,
    sqs,
    cognito,
    timings,
    pids: () => active.map((d) => d.pid).filter((p): p is number => p !== undefined),
    async crashAndRestart(name) {
      const dep = deps[name];
      await dep.kill9();
      await dep.start();
      writePids();
      logger.info({ dependency: name, pid: dep.pid }, 'restarted after kill -9');
    },
    stop() {
      // Every caller (a signal handler, test teardown, an error path) waits for the same stop.
      stopping ??= (async () => {
        await Promise.allSettled(active.map((d) => d.stop()));
        rmSync(persistent ? pidFile : root, { recursive: true, force: true });
        logger.info('local stack stopped');
      })();
      return stopping;
    },
  };

  try {
    await Promise.all(
      active.map(async (dep) => {
        const started = performance.now();
        await dep.start();
        timings[dep.name] = Math.round(performance.now() - started);
        writePids();
        logger.info(
          { dependency: dep.name, port: dep.port, pid: dep.pid, ms: timings[dep.name] },
          'dependency ready',
        );
        options.onReady?.({
          name: dep.name,
          port: dep.port,
          ms: timings[dep.name]!,
          endpoint: endpointOf[dep.name](),
        });
      }),
    );
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}

function existsShm(): boolean {
  try {
    mkdirSync('/dev/shm', { recursive: false });
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EEXIST';
  }
  return true;
}
