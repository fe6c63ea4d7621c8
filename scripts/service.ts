import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Command } from 'commander';
import { fail, LOCAL_ENV_FILE, REPO_ROOT, readEnvFile } from './lib/script-env.ts';
import { SERVICE_NAMES, type ServiceName, signingKeyEnv } from './lib/service-process.ts';

/**
 * Runs one more replica of a service against the system `scripts/up` started, e.g. a second stream
 * worker to watch the leases rebalance: `scripts/service stream-consumer`. Ctrl-C stops it gracefully.
 */
const program = new Command('service')
  .argument('<name>', `one of ${SERVICE_NAMES.join(', ')}`)
  .option('--port <port>', 'HTTP port (0 = any free port)', '0')
  .option('--worker-id <id>', 'stream-consumer worker id (default: host and pid)')
  .parse();
const [name] = program.args as [string];
const opts = program.opts<{ port: string; workerId?: string }>();
if (!SERVICE_NAMES.includes(name as ServiceName))
  fail(`unknown service ${name}; expected one of ${SERVICE_NAMES.join(', ')}`);
const env = readEnvFile(LOCAL_ENV_FILE);
if (!env.DDB_ENDPOINT) fail(`no local system found (${LOCAL_ENV_FILE} is missing): run ./scripts/up first`);

const child = spawn(
  process.execPath,
  ['--import', 'tsx', join(REPO_ROOT, 'services', name, 'src', 'main.ts')],
  {
    cwd: join(REPO_ROOT, 'services', name),
    // Explicit environment beats .data/local.env, so `CORS_ORIGINS=... scripts/service gateway` works.
    env: {
      ...env,
      ...signingKeyEnv(name as ServiceName, env),
      ...process.env,
      PORT: opts.port,
      ...(opts.workerId ? { WORKER_ID: opts.workerId } : {}),
    },
    stdio: 'inherit',
  },
);
// The child gets Ctrl-C from the terminal itself; SIGTERM sent to us is passed on so it drains too.
process.on('SIGTERM', () => child.kill('SIGTERM'));
process.on('SIGINT', () => undefined);
child.on('exit', (code) => process.exit(code ?? 1));
