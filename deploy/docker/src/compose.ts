import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './bundle.ts';

export const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');

export interface ComposeHealthcheck {
  test: string[] | string;
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
}

export interface ComposeService {
  image?: string;
  build?: { context: string; target?: string };
  command?: string[] | string;
  container_name?: string;
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: ComposeHealthcheck;
  depends_on?: Record<string, { condition: string }> | string[];
  [key: string]: unknown;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Parses a compose file the way Compose does: YAML merge keys (`<<: *anchor`) applied. */
export function loadCompose(path = COMPOSE_FILE): ComposeFile {
  return parse(readFileSync(path, 'utf8'), { merge: true }) as ComposeFile;
}

/**
 * Compose's variable substitution for the forms this project uses: `${VAR:-default}`, `${VAR-default}`, `${VAR}`
 * and `$$` (a literal `$`), resolved against `vars` (an empty object gives every default).
 */
export function interpolate(value: string, vars: Record<string, string | undefined> = {}): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g,
    (match, name, op, fallback) => {
      if (match === '$$') return '$';
      const v = vars[name as string];
      if (op === ':-') return v === undefined || v === '' ? (fallback as string) : v;
      if (op === '-') return v === undefined ? (fallback as string) : v;
      return v ?? '';
    },
  );
}

/** A service's environment as the container sees it: defaults substituted, every value a string. */
export function serviceEnv(
  compose: ComposeFile,
  service: string,
  vars: Record<string, string | undefined> = {},
): Record<string, string> {
  const env = compose.services[service]?.environment ?? {};
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, interpolate(v === null ? '' : String(v), vars)]),
  );
}
