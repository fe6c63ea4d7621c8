import { readdir, readFile, readlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { StartupError } from './errors.ts';

/** Who listens on a port, as far as this user may see. */
export interface PortHolder {
  /** Owner of the listening socket. */
  uid: number;
  /** Unset when the socket belongs to a process this user may not inspect (another user's, without root). */
  pid?: number;
  /** The process's command line, shortened. */
  command?: string;
}

const LISTEN = '0A';
const MAX_COMMAND = 100;

/**
 * The listening sockets on `port` in a /proc/net/tcp or tcp6 table: its lines are
 * `sl local_address rem_address st ... uid timeout inode`, addresses as hex `ip:port`.
 */
export function listeningSockets(table: string, port: number): { inode: string; uid: number }[] {
  const found: { inode: string; uid: number }[] = [];
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [, local, , state, , , , uid, , inode] = fields;
    if (!local || state !== LISTEN || !inode || uid === undefined) continue;
    if (Number.parseInt(local.split(':')[1] ?? '', 16) === port) found.push({ inode, uid: Number(uid) });
  }
  return found;
}

/**
 * Finds the process listening on a TCP port from /proc (Linux): the socket's inode in /proc/net/tcp{,6},
 * then the process holding that inode among /proc/<pid>/fd. Undefined when nothing is found (no /proc,
 * as on macOS, or the socket is gone); a holder without pid when the socket is another user's.
 */
export async function findPortHolder(port: number): Promise<PortHolder | undefined> {
  const tables = await Promise.all(
    ['/proc/net/tcp', '/proc/net/tcp6'].map((path) => readFile(path, 'utf8').catch(() => '')),
  );
  const sockets = tables.flatMap((table) => listeningSockets(table, port));
  const first = sockets[0];
  if (!first) return undefined;
  const wanted = new Set(sockets.map((s) => `socket:[${s.inode}]`));
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((e) => /^\d+$/.test(e));
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (wanted.has(target)) return { uid: first.uid, pid: Number(pid), command: await commandOf(pid) };
    }
  }
  return { uid: first.uid };
}

async function commandOf(pid: string): Promise<string> {
  const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').filter(Boolean);
  return shortCommand(
    argv.length > 0 ? argv : [(await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim()],
  );
}

/** A command line on one short line: the program's base name, its arguments with whitespace folded. */
export function shortCommand(argv: readonly string[]): string {
  const [program = '?', ...args] = argv;
  const command = [program.split('/').at(-1), ...args].join(' ').replace(/\s+/g, ' ').trim();
  return command.length > MAX_COMMAND ? `${command.slice(0, MAX_COMMAND - 1)}…` : command;
}

/** True when something already listens on 127.0.0.1:`port` (where every part of the stack listens). */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EADDRINUSE' ? resolve(true) : reject(err),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

/** How to find a port's holder by hand, when we could not. */
function findCommand(port: number): string {
  return process.platform === 'linux'
    ? `sudo ss -ltnp 'sport = :${port}'`
    : `lsof -nP -iTCP:${port} -sTCP:LISTEN`;
}

export interface NamedPort {
  /** What should listen there, e.g. "gateway" or "DynamoDB Local". */
  name: string;
  port: number;
}

/**
 * Fails with one line naming every taken port and the process holding it (pid and command), before
 * anything is started: otherwise a dependency dies with a bind error deep in its log, or worse, a
 * readiness probe is answered by whatever already listens there.
 */
export async function assertPortsFree(ports: readonly NamedPort[]): Promise<void> {
  const taken = (
    await Promise.all(ports.map(async (p) => ((await portTaken(p.port)) ? p : undefined)))
  ).filter((p): p is NamedPort => p !== undefined);
  if (taken.length === 0) return;
  const held = await Promise.all(taken.map(async (p) => ({ ...p, holder: await findPortHolder(p.port) })));
  throw portsTakenError(held);
}

/** The error for taken ports, given who holds them (exported for its wording's tests). */
export function portsTakenError(
  held: readonly (NamedPort & { holder: PortHolder | undefined })[],
): StartupError {
  const by = (h: PortHolder | undefined) =>
    h?.pid !== undefined
      ? `pid ${h.pid} (${h.command})`
      : h
        ? `a process of uid ${h.uid} that this user cannot inspect`
        : 'a process that could not be found';
  const [only] = held;
  const ports = held.map((p) => `${p.port} (${p.name})`).join(', ');
  const holders = new Set(held.map((p) => by(p.holder)));
  const message =
    held.length === 1 && only
      ? `port ${ports} is taken by ${by(only.holder)}`
      : holders.size === 1
        ? `ports ${ports} are taken by ${[...holders][0]}`
        : `ports ${ports} are taken: ${held.map((p) => `${p.port} by ${by(p.holder)}`).join(', ')}`;
  const pids = [...new Set(held.flatMap((p) => (p.holder?.pid === undefined ? [] : [p.holder.pid])))];
  const unknown = held.filter((p) => p.holder?.pid === undefined);
  const steps = [
    ...(pids.length > 0 ? [`stop ${pids.length === 1 ? 'it' : 'them'} (kill ${pids.join(' ')})`] : []),
    ...unknown.map((p) => `find the holder of ${p.port} with ${findCommand(p.port)} and stop it`),
  ];
  return new StartupError(message, `${steps.join('; ')}, then try again`);
}
