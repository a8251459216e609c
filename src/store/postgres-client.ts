import pg from 'pg';

import { PlugndialError } from '../errors.ts';
import { databaseError, type SqlClient } from './sql.ts';

/** A pool of connections to a PostgreSQL server; a transaction keeps one pooled connection throughout. */
export function openPostgresClient(url: string, options: { max?: number } = {}): SqlClient {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10 });
  // An idle connection that drops is discarded by the pool; the next query opens another.
  pool.on('error', () => undefined);
  const pooled = async <T>(
    begin: string,
    fn: (tx: SqlClient) => Promise<T>,
    lazyCommit = false,
  ): Promise<T> => {
    let connection: pg.PoolClient;
    try {
      connection = await pool.connect();
    } catch (error) {
      throw databaseError(error, 'CONNECT');
    }
    return postgresTransaction(connection, begin, fn, lazyCommit);
  };
  return {
    dialect: 'postgres',
    async query<T>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      try {
        return (await pool.query(text, [...params])).rows as T[];
      } catch (error) {
        throw databaseError(error, text, params);
      }
    },
    transaction: (fn, options) => pooled('BEGIN', fn, options?.lazyCommit),
    // Repeatable read: every statement sees the moment of the first; writers never wait for it.
    snapshot: (fn) => pooled('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', fn),
    async close(): Promise<void> {
      if (!pool.ended) await pool.end();
    },
  };
}

async function postgresTransaction<T>(
  connection: pg.PoolClient,
  begin: string,
  fn: (tx: SqlClient) => Promise<T>,
  lazyCommit: boolean,
): Promise<T> {
  const client: SqlClient = {
    dialect: 'postgres',
    async query<R>(text: string, params: readonly unknown[] = []): Promise<R[]> {
      try {
        return (await connection.query(text, [...params])).rows as R[];
      } catch (error) {
        throw databaseError(error, text, params);
      }
    },
    transaction: (inner) => inner(client),
    snapshot: (inner) => inner(client),
    close: () => Promise.resolve(),
  };
  let broken = false;
  try {
    await client.query(begin);
    if (lazyCommit) await client.query('SET LOCAL synchronous_commit = off');
    const result = await fn(client);
    const commit = await connection.query('COMMIT').catch((error: unknown) => {
      throw databaseError(error, 'COMMIT');
    });
    // COMMIT of a transaction that already failed answers ROLLBACK instead of an error.
    if (commit.command === 'ROLLBACK') {
      throw new PlugndialError(
        'PND_DATABASE',
        'database error: the transaction was aborted and rolled back',
      );
    }
    return result;
  } catch (error) {
    await connection.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    connection.release(broken);
  }
}
