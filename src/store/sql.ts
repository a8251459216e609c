import { PGlite, type Transaction } from '@electric-sql/pglite';
import pg from 'pg';

import { PlugndialError } from '../errors.ts';

/**
 * The whole of what the store needs from a database: rows from one statement, and real
 * transactions. One query layer runs on both backends through this.
 */
export interface SqlClient {
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs `fn` in BEGIN … COMMIT, rolling back if it throws. Nested calls join the outer transaction. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** PGlite (PostgreSQL in WASM) keeping its files in `pgdata`. One connection, so one transaction at a time. */
export async function openEmbeddedClient(pgdata: string): Promise<SqlClient> {
  let db: PGlite;
  try {
    db = await PGlite.create(pgdata);
  } catch (error) {
    throw databaseError(error, 'OPEN');
  }
  return {
    async query<T>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      try {
        return (await db.query<T>(text, [...params])).rows;
      } catch (error) {
        throw databaseError(error, text, params);
      }
    },
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      let failure: { error: unknown } | undefined;
      try {
        return await db.transaction(async (tx) => {
          try {
            return await fn(embeddedTransaction(tx));
          } catch (error) {
            failure = { error };
            throw error;
          }
        });
      } catch (error) {
        // The caller's own error passes through untouched; only BEGIN/COMMIT failures are ours.
        if (failure) throw failure.error;
        throw databaseError(error, 'COMMIT');
      }
    },
    async close(): Promise<void> {
      if (!db.closed) await db.close();
    },
  };
}

function embeddedTransaction(tx: Transaction): SqlClient {
  const client: SqlClient = {
    async query<T>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      try {
        return (await tx.query<T>(text, [...params])).rows;
      } catch (error) {
        throw databaseError(error, text, params);
      }
    },
    transaction: (fn) => fn(client),
    close: () => Promise.resolve(),
  };
  return client;
}

/** A pool of connections to a PostgreSQL server; a transaction keeps one pooled connection throughout. */
export function openPostgresClient(url: string, options: { max?: number } = {}): SqlClient {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10 });
  // An idle connection that drops is discarded by the pool; the next query opens another.
  pool.on('error', () => undefined);
  return {
    async query<T>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      try {
        return (await pool.query(text, [...params])).rows as T[];
      } catch (error) {
        throw databaseError(error, text, params);
      }
    },
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      let connection: pg.PoolClient;
      try {
        connection = await pool.connect();
      } catch (error) {
        throw databaseError(error, 'CONNECT');
      }
      return postgresTransaction(connection, fn);
    },
    async close(): Promise<void> {
      if (!pool.ended) await pool.end();
    },
  };
}

async function postgresTransaction<T>(
  connection: pg.PoolClient,
  fn: (tx: SqlClient) => Promise<T>,
): Promise<T> {
  const client: SqlClient = {
    async query<R>(text: string, params: readonly unknown[] = []): Promise<R[]> {
      try {
        return (await connection.query(text, [...params])).rows as R[];
      } catch (error) {
        throw databaseError(error, text, params);
      }
    },
    transaction: (inner) => inner(client),
    close: () => Promise.resolve(),
  };
  let broken = false;
  try {
    await client.query('BEGIN');
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

// Classes whose server messages name only objects and constraints, never values:
// connection, integrity, transaction state, auth, catalog, rollback, syntax/access,
// resources, limits, object state, operator intervention, system.
const SAFE_SQLSTATE_CLASSES = new Set([
  '08',
  '23',
  '25',
  '28',
  '3D',
  '40',
  '42',
  '53',
  '54',
  '55',
  '57',
  '58',
]);

/**
 * A database failure as PND_DATABASE. The message keeps the SQLSTATE, the statement kind and
 * the table, and drops server text that may quote a parameter value (a secret, perhaps).
 */
export function databaseError(
  error: unknown,
  text: string,
  params: readonly unknown[] = [],
): PlugndialError {
  if (error instanceof PlugndialError) return error;
  const fields = (typeof error === 'object' && error !== null ? error : {}) as Record<
    string,
    unknown
  >;
  const message = typeof fields.message === 'string' ? fields.message : String(error);
  const statement = text.trim().split(/\s+/, 1)[0]?.toUpperCase() ?? '';
  const table = typeof fields.table === 'string' ? fields.table : undefined;
  const where = table ? `${statement} on ${table}` : statement;

  if (typeof fields.severity === 'string' && typeof fields.code === 'string') {
    const sqlState = fields.code;
    const reason = SAFE_SQLSTATE_CLASSES.has(sqlState.slice(0, 2))
      ? scrub(message, params)
      : sqlState.startsWith('22')
        ? 'a value was rejected (data exception)'
        : 'the statement failed';
    const details: Record<string, unknown> = { sqlState };
    if (table) details.table = table;
    if (typeof fields.constraint === 'string') details.constraint = fields.constraint;
    return new PlugndialError(
      'PND_DATABASE',
      `database error during ${where}: ${reason} [${sqlState}]`,
      details,
    );
  }
  const code = typeof fields.code === 'string' ? fields.code : undefined;
  const reason = scrub(message, params).slice(0, 200);
  return new PlugndialError(
    'PND_DATABASE',
    `database error during ${where}: ${reason}; check that the database is running and reachable`,
    code ? { code } : undefined,
  );
}

function scrub(message: string, params: readonly unknown[]): string {
  let safe = message;
  for (const param of params) {
    if (typeof param === 'string' && param.length >= 4) safe = safe.split(param).join('…');
  }
  return safe;
}

/** The SQLSTATE of a PND_DATABASE error, e.g. 23505 for a unique violation. */
export function sqlStateOf(error: unknown): string | undefined {
  if (!(error instanceof PlugndialError) || error.code !== 'PND_DATABASE') return undefined;
  const state = error.details?.sqlState;
  return typeof state === 'string' ? state : undefined;
}
