import { Worker } from 'node:worker_threads';

import pg from 'pg';

import { PlugndialError } from '../errors.ts';
import { LoopPoller } from '../loop-poller.ts';
import { isRead } from './read-query.ts';
import type {
  EmbeddedFailure,
  EmbeddedReply,
  EmbeddedRequest,
  EmbeddedWorkerData,
} from './embedded-worker.ts';

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

const workers = new WeakMap<SqlClient, Worker>();

/**
 * PGlite (PostgreSQL in WASM) keeping its files in `pgdata` (or `memory://`), run on a worker
 * thread (embedded-worker.ts) so its WASM never blocks this thread. One connection, so one
 * transaction at a time: while one is open, statements from outside it wait for its end.
 */
export async function openEmbeddedClient(pgdata: string): Promise<SqlClient> {
  const connection = new EmbeddedConnection(pgdata);
  try {
    await connection.opened;
  } catch (error) {
    await connection.worker.terminate();
    throw error;
  }
  const client: SqlClient = {
    query: <T>(text: string, params: readonly unknown[] = []) =>
      connection.query<T>(text, params, undefined),
    transaction: (fn) => connection.transaction(fn),
    close: () => connection.close(),
  };
  workers.set(client, connection.worker);
  return client;
}

/** The worker thread behind an embedded client, for tests that need to see it stop. */
export function embeddedWorkerOf(client: SqlClient): Worker | undefined {
  return workers.get(client);
}

// From a build the worker is the .js next to this file; from sources (tsx) the .ts.
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './embedded-worker.ts' : './embedded-worker.js',
  import.meta.url,
);

/**
 * Starts the worker thread. It inherits this process's execArgv (passing them explicitly
 * would refuse flags such as --max-old-space-size). That carries `--import tsx` when running
 * from sources, but on Node 20 tsx registers its loader on the main thread only, so a .ts
 * entry that does not load as it is gets the loader registered first, inside the worker.
 */
function startWorker(workerData: EmbeddedWorkerData): Worker {
  if (!WORKER_URL.pathname.endsWith('.ts')) return new Worker(WORKER_URL, { workerData });
  let tsx: string | undefined;
  try {
    tsx = import.meta.resolve('tsx/esm/api');
  } catch {
    // No tsx here: whatever runs these sources must load .ts in workers by itself.
  }
  const entry = JSON.stringify(WORKER_URL.href);
  const bootstrap = `import(${entry}).catch((error) => {
    if (error?.code !== 'ERR_UNKNOWN_FILE_EXTENSION' || ${!tsx}) throw error;
    return import(${JSON.stringify(tsx)}).then((api) => {
      api.register();
      return import(${entry} + '?tsx');
    });
  });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

interface Pending {
  resolve(reply: EmbeddedReply & { ok: true }): void;
  reject(error: EmbeddedFailure | PlugndialError): void;
}

/**
 * The main thread's end of the worker: numbered requests, one promise each. The worker keeps
 * the process alive only while a request is waiting, like a socket with a query in flight.
 */
class EmbeddedConnection {
  readonly worker: Worker;
  readonly opened: Promise<void>;
  readonly #pending = new Map<number, Pending>();
  /** A read's reply comes within a millisecond or two: poll for it rather than sleep. */
  readonly #poller = new LoopPoller(2);
  #nextId = 1;
  #closing: Promise<void> | undefined;
  /** Set once the worker is gone: every later call fails with it. */
  #stopped: PlugndialError | undefined;

  constructor(pgdata: string) {
    this.worker = startWorker({ pgdata });
    this.opened = new Promise((resolve, reject) => {
      this.#pending.set(0, {
        resolve: () => resolve(),
        reject: (error) => reject(databaseError(error, 'OPEN')),
      });
    });
    this.worker.on('message', (reply: EmbeddedReply) => this.#settle(reply));
    this.worker.on('error', (error) => this.#stop(error));
    this.worker.on('exit', (code) => this.#stop(code));
  }

  async query<T>(text: string, params: readonly unknown[], tx: number | undefined): Promise<T[]> {
    const sent: unknown[] = [];
    const transfer: ArrayBuffer[] = [];
    let buffers: number[] | undefined;
    for (const [index, param] of params.entries()) {
      if (param instanceof Uint8Array) {
        // A copy of its own, moved rather than cloned: a Buffer's backing store may be much
        // larger than its bytes (Node's 8 KiB pool), and it stays the caller's to reuse.
        const copy = new Uint8Array(param);
        transfer.push(copy.buffer);
        if (Buffer.isBuffer(param)) (buffers ??= []).push(index);
        sent.push(copy);
      } else sent.push(param);
    }
    try {
      const reply = await this.#request(
        { op: 'query', sql: text, params: sent, buffers, tx },
        transfer,
        text,
      );
      return (reply.rows ?? []) as T[];
    } catch (error) {
      throw databaseError(error, text, params);
    }
  }

  async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    let tx: number;
    try {
      const reply = await this.#request({ op: 'begin' }, [], 'BEGIN');
      tx = reply.tx!;
    } catch (error) {
      throw databaseError(error, 'BEGIN');
    }
    let open = true;
    const client: SqlClient = {
      query: <R>(text: string, params: readonly unknown[] = []): Promise<R[]> =>
        open
          ? this.query<R>(text, params, tx)
          : Promise.reject(databaseError(new Error('Transaction is closed'), text)),
      transaction: (inner) => inner(client),
      close: () => Promise.resolve(),
    };
    let result: T;
    try {
      result = await fn(client);
    } catch (error) {
      open = false;
      // The caller's own error passes through untouched, whatever ROLLBACK does.
      await this.#request({ op: 'rollback', tx }, [], 'ROLLBACK').catch(() => undefined);
      throw error;
    }
    open = false;
    try {
      await this.#request({ op: 'commit', tx }, [], 'COMMIT');
    } catch (error) {
      throw databaseError(error, 'COMMIT');
    }
    return result;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (!this.#stopped) {
        await this.#request({ op: 'close' }, [], 'CLOSE').catch(() => undefined);
      }
      this.#stopped ??= databaseError(new Error('the database is closed'), 'CLOSE');
      await this.worker.terminate();
    })();
    return this.#closing;
  }

  #request(
    message: DistributiveOmit<EmbeddedRequest, 'id'>,
    transfer: ArrayBuffer[],
    text: string,
  ): Promise<EmbeddedReply & { ok: true }> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    if (this.#closing && message.op !== 'close' && !('tx' in message && message.tx !== undefined))
      return Promise.reject(databaseError(new Error('the database is closed'), text));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      try {
        this.worker.postMessage({ ...message, id }, transfer);
      } catch (error) {
        // A parameter that cannot be sent (a function, a symbol): nothing reached the worker.
        // The clone error's message quotes the value, so only its name is kept.
        const name = error instanceof Error ? error.name : 'Error';
        reject(new Error(`a parameter cannot be sent to the database thread (${name})`));
        return;
      }
      if (this.#pending.size === 0) this.worker.ref();
      this.#pending.set(id, { resolve, reject });
      if (message.op === 'query' && message.tx === undefined && isRead(message.sql))
        this.#poller.hold();
    });
  }

  #settle(reply: EmbeddedReply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.worker.unref();
    if (reply.ok) pending.resolve(reply);
    else pending.reject(reply.error);
  }

  /** The worker is gone, by close() or a crash: fail whatever waits, and all that follows. */
  #stop(cause: Error | number): void {
    const why =
      typeof cause === 'number'
        ? `exit code ${cause}`
        : `${cause.name}: ${cause.message}`.slice(0, 200);
    this.#stopped ??= new PlugndialError(
      'PND_DATABASE',
      `database error: the embedded database thread stopped (${why}); restart plugndial`,
      { code: 'PND_WORKER_STOPPED' },
    );
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      pending.reject(this.#stopped);
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

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
