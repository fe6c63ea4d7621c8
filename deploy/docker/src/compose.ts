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
  networks?: Record<string, { internal?: boolean; [key: string]: unknown } | null>;
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

/** The networks a service is attached to, as Compose decides: `default` when none are listed, none with a network_mode. */
export function serviceNetworks(compose: ComposeFile, service: string): string[] {
  const s = compose.services[service];
  if (!s) throw new Error(`no service ${service}`);
  if (s.network_mode !== undefined) return [];
  const networks = s.networks as string[] | Record<string, unknown> | undefined;
  if (networks === undefined) return ['default'];
  return Array.isArray(networks) ? networks : Object.keys(networks);
}

/** Whether a network has no route out of the host and cannot publish ports (`internal: true`). */
export function isInternalNetwork(compose: ComposeFile, network: string): boolean {
  return compose.networks?.[network]?.internal === true;
}

/**
 * The services something outside the Compose networks can connect to: those that publish a port, or sit on a
 * network that is not internal (anything on it, or routed to it, could open a connection).
 */
export function reachableFromOutside(compose: ComposeFile): string[] {
  return Object.keys(compose.services)
    .filter((name) => {
      const s = compose.services[name]!;
      return (
        (s.ports?.length ?? 0) > 0 ||
        serviceNetworks(compose, name).some((n) => !isInternalNetwork(compose, n))
      );
    })
    .sort();
}

/** Whether two services share a network, so one can open a connection to the other. */
export function canConnect(compose: ComposeFile, from: string, to: string): boolean {
  const theirs = new Set(serviceNetworks(compose, to));
  return serviceNetworks(compose, from).some((n) => theirs.has(n));
}

export interface VolumeMount {
  source: string;
  target: string;
  readOnly: boolean;
}

/** A service's `volumes:` in short syntax (`source:target[:ro]`), parsed. */
export function volumeMounts(compose: ComposeFile, service: string): VolumeMount[] {
  return (compose.services[service]?.volumes ?? []).map((v) => {
    const [source = '', target = '', mode] = v.split(':');
    return { source, target, readOnly: mode === 'ro' };
  });
}
