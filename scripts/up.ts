import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { localEnvFile, REPO_ROOT, readEnvFile } from './lib/script-env.ts';
import { SEED_PASSWORD, SEED_USERS } from './lib/seed-users.ts';
import { DEFAULT_PORTS, startSystem, writeLocalEnv } from './lib/system.ts';
import { createUpOutput } from './lib/up-output.ts';

const program = new Command('up')
  .description(
    'Start the whole Cruddur messaging system locally: dependencies, schemas, seed data and the four services.',
  )
  .option('--persist', 'keep all data on disk in .data/stack between runs (default: in memory)')
  .option('--data-dir <dir>', 'keep data on disk in this directory (implies --persist)')
  .option('--verbose', 'print every service log line here instead of .data/logs/')
  .option(
    '--dev',
    'run the services from their TypeScript sources and restart each when one of its files changes (default: the production bundles, rebuilt when sources changed)',
  )
  .parse();
const opts = program.opts<{ persist?: boolean; dataDir?: string; verbose?: boolean; dev?: boolean }>();

const gatewayUrl = `http://127.0.0.1:${DEFAULT_PORTS.gateway}`;

// Safe to run twice: a second `up` finds the running system and says so instead of failing on busy ports.
if (await answers(`${gatewayUrl}/readyz`)) {
  const env = readEnvFile(localEnvFile());
  console.log(
    `Cruddur is already running: ${gatewayUrl} (pool ${env.COGNITO_USER_POOL_ID ?? '?'}). Stop it with Ctrl-C in its terminal.`,
  );
  process.exit(0);
}

const logDir = join(REPO_ROOT, '.data', 'logs');
mkdirSync(logDir, { recursive: true });
const servicesLog = join(logDir, 'services.log');
const out = createUpOutput({ stdout: process.stdout, stderr: process.stderr, logFile: servicesLog });
const logger = out.logger;
const dataDir = opts.dataDir ?? (opts.persist ? join(REPO_ROOT, '.data') : undefined);
const started = performance.now();

out.starting();
const system = await startSystem({
  ports: 'fixed',
  dataDir,
  seed: true,
  output: opts.verbose ? 'inherit' : { file: servicesLog },
  logDir,
  onStep: out.onStep,
  logger,
  mode: opts.dev ? 'dev' : 'bundle',
}).catch((err: unknown) => {
  out.failed(err);
  process.exit(1);
});

const envFile = writeLocalEnv(system.env);
let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping every service and dependency');
  await system.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`
  Cruddur messaging is up in ${seconds}s ${dataDir ? `(data kept in ${dataDir})` : '(in memory: data goes away on stop)'}

  Gateway:   ${system.gatewayUrl}          API docs: ${system.gatewayUrl}/docs
  Users:     ${system.env.USERS_URL}   Messaging: ${system.env.MESSAGING_URL}
  Settings:  ${envFile}
  Logs:      ${opts.verbose ? 'this terminal' : servicesLog} (dependencies: ${logDir}/<name>.log)

  Seeded users (password ${SEED_PASSWORD}): ${SEED_USERS.map((u) => u.handle).join(', ')}
  Get a token and call the API from another terminal:
    TOKEN=$(scripts/token andrewbrown)
    curl -H "Authorization: Bearer $TOKEN" ${system.gatewayUrl}/api/message_groups

  Ctrl-C stops everything.
`);

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    return res.ok;
  } catch {
    return false;
  }
}
