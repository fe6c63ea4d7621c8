import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Command } from 'commander';
import { ensureBundles } from './lib/bundles.ts';
import { fail, localEnvFile, REPO_ROOT, scriptEnv } from './lib/script-env.ts';
import { SERVICE_NAMES, type ServiceName, serviceCommand, signingKeyEnv } from './lib/service-process.ts';

/**
 * Runs one more replica of a service against the system `scripts/up` started, e.g. a second stream
 * worker to watch the leases rebalance: `scripts/service stream-consumer`. Ctrl-C stops it gracefully.
 * Its environment is `.data/local.env` with the caller's environment on top, so
 * `CORS_ORIGINS=http://my-host:3000 scripts/service gateway` runs a gateway that allows that origin.
 */
const program = new Command('service')
  .argument('<name>', `one of ${SERVICE_NAMES.join(', ')}`)
  .option('--port <port>', 'HTTP port (0 = any free port; default: PORT, or 0)')
  .option('--worker-id <id>', 'stream-consumer worker id (default: host and pid)')
  .option('--dev', 'run from the TypeScript sources, restarting on change (default: its production bundle)')
  .parse();
const [name] = program.args as [string];
const opts = program.opts<{ port?: string; workerId?: string; dev?: boolean }>();
if (!SERVICE_NAMES.includes(name as ServiceName))
  fail(`unknown service ${name}; expected one of ${SERVICE_NAMES.join(', ')}`);
const env = scriptEnv();
if (!env.DDB_ENDPOINT) fail(`no local system found (${localEnvFile()} is missing): run ./scripts/up first`);
if (!opts.dev) await ensureBundles([name as ServiceName]);

const child = spawn(process.execPath, serviceCommand(name as ServiceName, opts.dev ? 'dev' : 'bundle'), {
  cwd: join(REPO_ROOT, 'services', name),
  // The key file comes from the system's key directory unless the caller names a key itself.
  env: {
    ...signingKeyEnv(name as ServiceName, env),
    ...env,
    PORT: opts.port ?? env.PORT ?? '0',
    ...(opts.workerId ? { WORKER_ID: opts.workerId } : {}),
  },
  stdio: 'inherit',
  // Its own process group, so a terminal's Ctrl-C reaches it once, through us, like a `kill -INT` would.
  detached: true,
});
// Ctrl-C, `kill -INT` and SIGTERM sent to us are passed on, so the service drains and exits by itself.
process.on('SIGTERM', () => child.kill('SIGTERM'));
process.on('SIGINT', () => child.kill('SIGINT'));
child.on('exit', (code) => process.exit(code ?? 1));
