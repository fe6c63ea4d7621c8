import { ConfigError, optionalUrl, z } from '@cruddur/config';
import { fail, loadScriptConfig } from '../../lib/script-env.ts';

/** What the db scripts read: local.env defaults locally, the real environment with --prod. */
const dbScriptSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  /** The Cognito emulator locally; unset on AWS. */
  COGNITO_ENDPOINT: optionalUrl(),
  COGNITO_USER_POOL_ID: z.string().min(1).optional(),
});
export type DbScriptConfig = z.infer<typeof dbScriptSchema>;

export function loadDbScriptConfig(prod: boolean): DbScriptConfig {
  try {
    return loadScriptConfig(dbScriptSchema, { prod });
  } catch (err) {
    if (err instanceof ConfigError) fail(`invalid configuration (${err.issues.join('; ')})`);
    throw err;
  }
}

/**
 * One line for any error. Node reports a refused connection to a name with several addresses as an
 * AggregateError whose own message is empty, so the first inner error says what happened.
 */
function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return describeError(err.errors[0]);
  if (err instanceof Error)
    return (err.message || (err as { code?: string }).code || err.name).split('\n')[0]!;
  return String(err);
}

/** Runs a script body and turns any failure into `error: <what> : <why>` and exit code 1. */
export async function runOrFail<T>(what: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    return fail(what, describeError(err));
  }
}

/** Host and database of a URL, without its password, for the script's output. */
export function describeDatabase(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${decodeURIComponent(url.pathname.slice(1))} on ${url.hostname}:${url.port || 5432}`;
}
