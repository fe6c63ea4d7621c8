import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '@cruddur/logger';
import { StartupError } from './errors.ts';
import { httpAnswers, waitFor } from './ports.ts';

/** SIGTERM, then SIGKILL if the child has not exited within `graceMs`; resolves once it has exited. */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Children started by this process and not yet exited, for the exit hook below. */
const runningChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * A process that dies without stopping what it started (an uncaught error in a script, a test or a benchmark) must
 * not leave its children behind: orphaned services kept retrying their vanished dependencies at a quarter of a core
 * each. 'exit' handlers must be synchronous, so this is the blunt version of a stop: SIGKILL.
 */
export function killWithThisProcess(child: ChildProcess): void {
  runningChildren.add(child);
  child.once('exit', () => runningChildren.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const running of runningChildren) running.kill('SIGKILL');
  });
}

export interface ManagedProcessOptions {
  /** The name people read in messages, e.g. "DynamoDB Local"; defaults to the name. */
  label?: string;
  /** Append the process's output here (as well as keeping its tail for error messages). */
  logFile?: string | undefined;
  /** How long startAndWait waits for the ready URL. */
  readyTimeoutMs?: number;
}

/** The last non-empty line of some output, for a one-line message. */
export function lastLine(output: string): string {
  return (
    output
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1) ?? '(no output)'
  );
}

/** The last chunks a process wrote (50, at most 4,000 characters read back): what a failed start shows. */
export class OutputTail {
  private chunks: string[] = [];

  keep(chunk: Buffer | string): void {
    this.chunks.push(chunk.toString());
    if (this.chunks.length > 50) this.chunks.shift();
  }

  clear(): void {
    this.chunks = [];
  }

  text(): string {
    return this.chunks.join('').slice(-4000);
  }
}

/** A child process we started and must stop; keeps the tail of its output for error messages. */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private readonly output = new OutputTail();
  private log: WriteStream | undefined;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private spawnError: Error | undefined;
  exited = false;

  constructor(
    readonly name: string,
    private readonly logger: Logger,
    private readonly options: ManagedProcessOptions = {},
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get label(): string {
    return this.options.label ?? this.name;
  }

  spawn(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
    this.exited = false;
    this.exit = undefined;
    this.spawnError = undefined;
    this.output.clear();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    this.child = child;
    killWithThisProcess(child);
    const log = this.openLog();
    log?.write(`--- ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
    const keep = (chunk: Buffer) => {
      this.output.keep(chunk);
      // Output can still arrive after stop() closed the log; it is dropped rather than crash us.
      if (log && !log.writableEnded) log.write(chunk);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', (code, signal) => {
      this.exited = true;
      this.exit = { code, signal };
      this.logger.debug({ dependency: this.name, code, signal }, 'process exited');
    });
    child.once('error', (err) => {
      this.exited = true;
      this.spawnError = err;
      this.output.keep(String(err));
    });
    return child;
  }

  /**
   * Spawns and waits until `readyUrl` answers HTTP (or, given `ready`, until that probe of the process's own
   * API succeeds). A failure is a StartupError naming the process, why (exited, could not run, no answer in
   * time) and where its log is.
   */
  async startAndWait(
    command: string,
    args: string[],
    options: SpawnOptions,
    readyUrl: string,
    ready: () => Promise<unknown> = () => httpAnswers(readyUrl),
  ): Promise<void> {
    this.spawn(command, args, options);
    const timeoutMs = this.options.readyTimeoutMs ?? 60_000;
    await waitFor(this.name, ready, { timeoutMs, isDead: () => this.exited }).catch((err: Error) => {
      throw this.notUp(command, readyUrl, timeoutMs, err);
    });
  }

  private notUp(command: string, readyUrl: string, timeoutMs: number, cause: Error): StartupError {
    const why = this.spawnError
      ? `could not run ${command} (${this.spawnError.message})`
      : this.exited
        ? `it exited${this.exit?.code != null ? ` with code ${this.exit.code}` : this.exit?.signal ? ` on ${this.exit.signal}` : ''} before it answered`
        : `it did not answer ${readyUrl} within ${Math.round(timeoutMs / 1000)} s`;
    const output = this.recentOutput();
    const hint = this.options.logFile
      ? `see its log: ${this.options.logFile}`
      : `its last output: ${lastLine(output)}`;
    return new StartupError(`${this.label} did not come up: ${why}`, hint, { detail: output, cause });
  }

  recentOutput(): string {
    return this.output.text();
  }

  /** SIGTERM, then SIGKILL if it has not gone within `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.child && !this.exited) await stopChild(this.child, graceMs);
    this.closeLog();
  }

  /** kill -9, as a crash would: for fault-injection tests. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  private openLog(): WriteStream | undefined {
    const file = this.options.logFile;
    if (!file) return undefined;
    if (!this.log) {
      mkdirSync(dirname(file), { recursive: true });
      this.log = createWriteStream(file, { flags: 'a' });
      // A log that cannot be written (disk full) must not take the launcher down with it.
      this.log.on('error', (err) => this.logger.warn({ err, file }, 'cannot write log file'));
    }
    return this.log;
  }

  private closeLog(): void {
    this.log?.end();
    this.log = undefined;
  }
}
