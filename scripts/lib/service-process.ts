import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { SERVICE_NODE_FLAGS, SERVICE_PROCESS_ENV } from '@cruddur/deploy-docker/bundle';
import {
  killWithThisProcess,
  lastLine,
  OutputTail,
  StartupError,
  stopChild,
  waitFor,
} from '@cruddur/local-stack';
import { privateKeyFile } from '@cruddur/service-auth';
import { bundlePath, compileCacheDir } from './bundles.ts';
import { REPO_ROOT } from './script-env.ts';

export const SERVICE_NAMES = ['users', 'messaging', 'stream-consumer', 'gateway'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Where a service's output goes; 'ignore' keeps only its last chunks in memory, for a failed start's message. */
export type OutputMode = 'inherit' | 'ignore' | { file: string };

/**
 * How a service's code is run: `bundle` is production's way (the esbuild bundle the images run, under the
 * same Node flags; build it first with ensureBundles); `dev` runs the TypeScript sources through tsx and
 * restarts the service when one of its files changes (`scripts/up --dev`).
 */
export type RunMode = 'bundle' | 'dev';

/** The command line that starts a service in `mode`, from the repository root. */
export function serviceCommand(name: ServiceName, mode: RunMode): string[] {
  if (mode === 'dev') {
    return ['--watch', '--import', 'tsx', join(REPO_ROOT, 'services', name, 'src', 'main.ts')];
  }
  return [...SERVICE_NODE_FLAGS, bundlePath(name)];
}

/**
 * The signing key a service is started with: each caller gets its own private key file from the
 * system's key directory (`SERVICE_KEYS_DIR`); every service gets the public set through the shared env.
 */
export function signingKeyEnv(
  name: ServiceName,
  env: Record<string, string | undefined>,
): Record<string, string> {
  const dir = env.SERVICE_KEYS_DIR;
  if (!dir || (name !== 'gateway' && name !== 'messaging')) return {};
  return { SERVICE_AUTH_PRIVATE_KEY_FILE: join(dir, privateKeyFile(name)) };
}

/**
 * One service running as its own Node process, exactly as in production (its bundle, its Node flags, env
 * only), so it can be stopped with SIGTERM or crashed with kill -9 and started again.
 */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private log: WriteStream | undefined;
  /** With output 'ignore': the last chunks the process wrote, so a failed start can still say why. */
  private readonly tail = new OutputTail();

  constructor(
    readonly name: ServiceName,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly output: OutputMode = 'ignore',
    private readonly mode: RunMode = 'bundle',
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Starts the process and resolves once /readyz answers 200; otherwise fails with a StartupError saying
   * whether it exited or never got ready, and where its output went.
   */
  async start(timeoutMs = 60_000): Promise<void> {
    const toFile = typeof this.output === 'object';
    const toTail = this.output === 'ignore';
    if (toFile) this.log ??= createWriteStream((this.output as { file: string }).file, { flags: 'a' });
    const child = spawn(process.execPath, serviceCommand(this.name, this.mode), {
      cwd: join(REPO_ROOT, 'services', this.name),
      env: {
        ...process.env,
        ...SERVICE_PROCESS_ENV,
        ...(this.mode === 'bundle' ? { NODE_COMPILE_CACHE: compileCacheDir(this.name) } : {}),
        ...this.env,
        PORT: String(this.port),
      },
      stdio: [
        'ignore',
        this.output === 'inherit' ? 'inherit' : 'pipe',
        this.output === 'inherit' ? 'inherit' : 'pipe',
      ],
    });
    if (toFile) {
      child.stdout?.pipe(this.log!, { end: false });
      child.stderr?.pipe(this.log!, { end: false });
    }
    if (toTail) {
      this.tail.clear();
      const keep = (chunk: Buffer) => this.tail.keep(chunk);
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
    }
    this.child = child;
    killWithThisProcess(child);
    await waitFor(
      `${this.name} /readyz`,
      async () => {
        const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
        if (res.status !== 200) throw new Error(`readyz ${res.status}: ${await res.text()}`);
      },
      { timeoutMs, intervalMs: 50, isDead: () => !this.running },
    ).catch(async (err: Error) => {
      // A process that exited may still have its last words in the pipe: they come before 'close'.
      if (toTail && !this.running) await Promise.race([once(child, 'close'), delay(1_000)]);
      const why = this.running
        ? `its /readyz did not answer 200 within ${Math.round(timeoutMs / 1000)} s (${err.message.split(': ').at(-1)})`
        : `it exited${child.exitCode !== null ? ` with code ${child.exitCode}` : ` on ${child.signalCode}`} before it was ready`;
      const output = this.output;
      const recent = toTail ? this.tail.text() : undefined;
      const hint =
        typeof output === 'object'
          ? `see its log: ${output.file}`
          : output === 'inherit'
            ? 'its output is above'
            : `its last output: ${lastLine(recent ?? '')}`;
      throw new StartupError(`the ${this.name} service did not come up: ${why}`, hint, {
        detail: recent,
        cause: err,
      });
    });
  }

  /** SIGTERM and wait: the service drains and checkpoints. */
  async stop(graceMs = 20_000): Promise<void> {
    if (this.child && this.running) await stopChild(this.child, graceMs);
  }

  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  closeLog(): void {
    this.log?.end();
  }
}
