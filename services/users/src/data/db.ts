import pg from 'pg';

/** Anything that runs a query: the pool, or one client inside a transaction. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

export function createPool(databaseUrl: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max, connectionTimeoutMillis: 5_000 });
  // An idle client's connection can drop (database restart); without a listener that would crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Runs `fn` in one transaction on one client. On any error the transaction is rolled back and the
 * connection discarded rather than returned to the pool, since its state is unknown.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  // A connection that dies between queries (server restart, terminated backend) emits 'error' on the
  // client; unheard, that would crash the process. The next query fails with it anyway.
  const ignore = () => undefined;
  client.on('error', ignore);
  let failure: unknown;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    failure = err;
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.off('error', ignore);
    client.release(failure === undefined ? undefined : failure instanceof Error ? failure : true);
  }
}

export interface UniqueViolation {
  constraint: string;
}

/** Postgres SQLSTATE 23505, with the name of the unique constraint or index that was hit. */
export function uniqueViolation(err: unknown): UniqueViolation | undefined {
  if (err instanceof pg.DatabaseError && err.code === '23505') return { constraint: err.constraint ?? '' };
  return undefined;
}
