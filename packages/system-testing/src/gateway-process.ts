import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, httpAnswers, waitFor } from '@cruddur/local-stack';

const GATEWAY_MAIN = join(dirname(fileURLToPath(import.meta.url)), '../../../services/gateway/src/main.ts');

export interface GatewayProcess {
  url: string;
  replicaId: string;
  /** A crash: no shutdown runs, its queue and registry entry stay behind. */
  kill9(): Promise<void>;
  /** SIGTERM and wait: the clean shutdown. */
  stop(): Promise<void>;
  /** SIGSTOP: a process stalled (a long GC, a starved host) with its connections open; `resume` wakes it. */
  pause(): void;
  resume(): void;
}

/**
 * A gateway replica as its own process (tsx, from source) on a system's services, for what an in-process
 * replica cannot show: being killed with -9 while clients are connected.
 */
export async function startGatewayProcess(
  env: Record<string, string>,
  replicaId: string,
): Promise<GatewayProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', GATEWAY_MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port), GATEWAY_REPLICA_ID: replicaId },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  await waitFor('gateway process', () => httpAnswers(`${url}/healthz`), {
    timeoutMs: 60_000,
    isDead: () => child.exitCode !== null || child.signalCode !== null,
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    url,
    replicaId,
    async kill9() {
      if (!alive()) return;
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!alive()) return;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await exited;
    },
    pause() {
      child.kill('SIGSTOP');
    },
    resume() {
      child.kill('SIGCONT');
    },
  };
}
