import { PlugndialError } from '../errors.ts';

/** The two SQL engines behind the store: SQLite embedded, PostgreSQL for several nodes. */
export type Dialect = 'sqlite' | 'postgres';

export interface TransactionOptions {
  /**
   * Bookkeeping (events, last contacts, check-sync outcomes): the commit returns before it
   * reaches the disk. A crash of this process loses none of it; a power loss may take the
   * last fraction of a second of such writes, never a change committed without this. The
   * next ordinary commit carries them to the disk with it.
   */
  lazyCommit?: boolean;
}

/**
 * The whole of what the store needs from a database: rows from one statement, real
 * transactions, and a consistent read-only view for backups. One query layer runs on both
 * engines through this. Statements are written in PostgreSQL's SQL; the SQLite client
 * takes the same text with the rules of sqlite-client.ts (casts name parameter types and
 * are dropped, row locks are dropped), and where the engines differ in more than that a
 * module keeps both texts side by side, chosen by `dialect`.
 */
export interface SqlClient {
  readonly dialect: Dialect;
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs `fn` in BEGIN … COMMIT, rolling back if it throws. Nested calls join the outer transaction. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Runs `fn` against one moment of the database, read only, while writers go on: a backup
   * or an export sees every table as of the same instant and pauses no phone.
   */
  snapshot<T>(fn: (view: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
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
