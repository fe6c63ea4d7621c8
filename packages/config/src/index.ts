import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** Raised once at startup when the environment does not satisfy a service's schema. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Parses `env` against `schema` and returns typed config, or throws a ConfigError listing every bad
 * variable. Services call this once in main.ts; tests pass a plain object instead of touching process.env.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Env = process.env,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): z.infer<S> {
  const result = schema.safeParse(withFileVariables(schema, env, readFile));
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return result.data;
}

/**
 * The Docker and Kubernetes secret convention: for a variable `X` of the schema that is unset, `X_FILE`
 * names a file holding its value (a mounted secret), so keys never have to sit in the environment.
 */
function withFileVariables(schema: z.ZodType, env: Env, readFile: (path: string) => string): Env {
  if (!(schema instanceof z.ZodObject)) return env;
  const resolved: Env = { ...env };
  const unreadable: string[] = [];
  for (const name of Object.keys(schema.shape)) {
    const path = env[`${name}_FILE`];
    if (env[name] !== undefined || !path) continue;
    try {
      resolved[name] = readFile(path).trim();
    } catch (err) {
      unreadable.push(`${name}_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
  }
  if (unreadable.length > 0) throw new ConfigError(unreadable);
  return resolved;
}

/** "true"/"1"/"yes" → true; "false"/"0"/"no"/"" → false. Env vars are strings, so z.boolean() alone never fits. */
export const envBoolean = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : v === 'true' || v === '1' || v === 'yes'));

/** An optional URL where an empty value means unset, so `X= command` turns a default off. */
export const optionalUrl = () => z.preprocess((v) => (v === '' ? undefined : v), z.url().optional());

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

/** Settings every service shares: logging and the AWS endpoint overrides used for local emulators. */
export const baseSchema = z.object({
  LOG_LEVEL: logLevel,
  LOG_PRETTY: envBoolean(false),
  /**
   * The address to listen on. Loopback by default, so an internal service is never reachable from the
   * network by accident; containers set 0.0.0.0 and rely on network policies instead.
   */
  HOST: z.string().min(1).default('127.0.0.1'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  /** Set locally (DynamoDB Local); unset on AWS so the SDK uses the regional endpoint. */
  DDB_ENDPOINT: z.url().optional(),
  SQS_ENDPOINT: z.url().optional(),
  SNS_ENDPOINT: z.url().optional(),
  /** How long a graceful shutdown may take before the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: positiveInt(15_000),
});
export type BaseConfig = z.infer<typeof baseSchema>;

export { z };

/** The problems `loadConfig` would report for this environment, without throwing: for checks and tests. */
export function configProblems<S extends z.ZodType>(
  schema: S,
  env: Env,
  readFile?: (path: string) => string,
): string[] {
  try {
    loadConfig(schema, env, readFile);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
}
