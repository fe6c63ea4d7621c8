import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type z } from '@cruddur/config';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Written by `scripts/up`: every endpoint, queue URL and pool id of the running local system. */
const LOCAL_ENV_FILE = join(REPO_ROOT, '.data', 'local.env');

/** The local system's env file: `CRUDDUR_LOCAL_ENV` names another one (a second system, a test's). */
export function localEnvFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.CRUDDUR_LOCAL_ENV || LOCAL_ENV_FILE;
}

export function readEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const values: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) values[match[1]!] = match[2]!;
  }
  return values;
}

/**
 * The environment a script runs with against the local system: `.data/local.env` as defaults and the
 * explicit environment on top, so a variable the caller sets always wins over the file.
 */
export function scriptEnv(explicit: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = readEnvFile(localEnvFile(explicit));
  for (const [key, value] of Object.entries(explicit)) if (value !== undefined) env[key] = value;
  return env;
}

/**
 * Config for a script: `scriptEnv()` (local.env under the explicit environment). With `--prod` the
 * local file is ignored and the emulator endpoints are dropped, so the AWS SDK talks to AWS with the
 * default credential chain.
 */
export function loadScriptConfig<S extends z.ZodType>(schema: S, { prod = false } = {}): z.infer<S> {
  const env: Record<string, string | undefined> = prod ? { ...process.env } : scriptEnv();
  if (prod) {
    for (const key of ['DDB_ENDPOINT', 'SQS_ENDPOINT', 'SNS_ENDPOINT', 'COGNITO_ENDPOINT']) delete env[key];
  } else {
    env.AWS_ACCESS_KEY_ID ??= 'local';
    env.AWS_SECRET_ACCESS_KEY ??= 'local';
    process.env.AWS_ACCESS_KEY_ID ??= env.AWS_ACCESS_KEY_ID;
    process.env.AWS_SECRET_ACCESS_KEY ??= env.AWS_SECRET_ACCESS_KEY;
  }
  return loadConfig(schema, env);
}

/** Prints a clear one-line error and exits non-zero: every script's last resort. */
export function fail(message: string, err?: unknown): never {
  const detail = err instanceof Error ? `: ${err.message}` : err ? `: ${String(err)}` : '';
  console.error(`error: ${message}${detail}`);
  process.exit(1);
}
