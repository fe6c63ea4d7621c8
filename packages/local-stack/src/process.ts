import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Logger } from '@cruddur/logger';
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

/** A child process we started and must stop; keeps the tail of its output for error messages. */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private output: string[] = [];
  exited = false;

  constructor(
    readonly name: string,
    private readonly logger: Logger,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  spawn(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
    this.exited = false;
    this.output = [];
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString('utf8'));
      if (this.output.length > 50) this.output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', (code, signal) => {
      this.exited = true;
      this.logger.debug({ dependency: this.name, code, signal }, 'process exited');
    });
    child.once('error', (err) => {
      this.exited = true;
      this.output.push(String(err));
    });
    return child;
  }

  /** Spawns and waits until `readyUrl` answers HTTP; a failure carries the process's last output. */
  async startAndWait(
    command: string,
    args: string[],
    options: SpawnOptions,
    readyUrl: string,
  ): Promise<void> {
    this.spawn(command, args, options);
    await waitFor(this.name, () => httpAnswers(readyUrl), { isDead: () => this.exited }).catch(
      (err: Error) => {
        throw new Error(`${err.message}\n${this.recentOutput()}`);
      },
    );
  }

  recentOutput(): string {
    return this.output.join('').slice(-4000);
  }

  /** SIGTERM, then SIGKILL if it has not gone within `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.child && !this.exited) await stopChild(this.child, graceMs);
  }

  /** kill -9, as a crash would: for fault-injection tests. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}
