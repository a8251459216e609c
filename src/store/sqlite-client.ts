import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

import Database from 'better-sqlite3';

import { PlugndialError } from '../errors.ts';
import type { SqlClient, TransactionOptions } from './sql.ts';

type Connection = Database.Database;
type Statement = Database.Statement<unknown[]>;

/**
 * A statement in PostgreSQL's text turned into SQLite's: `$n` placeholders become named ones
 * (`@p1`: better-sqlite3 binds numbered ones only from arrays, in order), a cast on a
 * placeholder says how to bind its value and is dropped, like every other cast, and so are
 * row locks (`FOR UPDATE`): SQLite has one writer, and a transaction here holds it whole.
 */
export interface SqliteStatementText {
  sql: string;
  /** The PostgreSQL type each placeholder was cast to, by number; undefined when not cast. */
  types: ReadonlyMap<number, string | undefined>;
  /**
   * Placeholders $1 … $n each appear once, in order: they become `?` and are bound from an
   * array, which costs better-sqlite3 less than looking each name up.
   */
  positional: boolean;
}

const PLACEHOLDER = /\$(\d+)(?:::([a-z][a-z0-9_]*(?:\[\])?))?/g;
const CAST = /::[a-z][a-z0-9_]*(?:\[\])?/g;
const ROW_LOCK = /\s+FOR\s+UPDATE(?:\s+OF\s+\w+)?/gi;

export function sqliteText(text: string): SqliteStatementText {
  const types = new Map<number, string | undefined>();
  const order: number[] = [];
  for (const [, n, type] of text.matchAll(PLACEHOLDER)) {
    const index = Number(n);
    order.push(index);
    if (!types.has(index) || type !== undefined) types.set(index, type);
  }
  const positional = order.every((index, k) => index === k + 1);
  const sql = text
    .replace(PLACEHOLDER, (_, n: string) => (positional ? '?' : `@p${n}`))
    .replace(CAST, '')
    .replace(ROW_LOCK, '');
  return { sql, types, positional };
}

/** A parameter as SQLite takes it: times as the model's ISO-8601 text, booleans as 0/1. */
function bindValue(value: unknown, type: string | undefined): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (type === 'timestamptz') return isoTime(value);
  if (value instanceof Date) return value.toISOString();
  return value;
}

/**
 * Times are stored as ISO-8601 UTC with milliseconds, so text order is time order. Input
 * that PostgreSQL would parse (an offset, no milliseconds, a date alone) is normalised;
 * anything else is refused as PostgreSQL refuses it.
 */
function isoTime(value: unknown): string {
  const ms = value instanceof Date ? value.getTime() : Date.parse(String(value));
  if (Number.isNaN(ms)) {
    throw new PlugndialError(
      'PND_INVALID_ARGUMENT',
      `"${String(value).slice(0, 40)}" is not a date and time; use ISO 8601, e.g. 2026-03-01T12:00:00Z`,
    );
  }
  return new Date(ms).toISOString();
}

/**
 * SQLite in one file. Two connections: the writer, which one transaction or one statement
 * holds at a time (a queue in this process), and a reader for statements outside any
 * transaction that only read — a phone's request never waits behind an open transaction, and
 * sees only what is committed (WAL). better-sqlite3 is synchronous: a statement runs on this
 * thread and costs microseconds, which is cheaper than any thread or process hop.
 *
 * Durability: a change is answered once the log that holds it is on the disk, so it survives
 * a power loss as well as `kill -9`. SQLite commits to the log (`synchronous = NORMAL`) and
 * the log is synced off this thread (see WalSync): the phones are served while the disk
 * writes, and one sync answers every commit made before it.
 */
export function openSqliteClient(file: string, options: SqliteOptions = {}): SqlClient {
  return new SqliteConnection(file, options).client;
}

export interface SqliteOptions {
  /** Syncs the log file to the disk; `datasync()` of its handle unless a test says otherwise. */
  syncLog?: (log: FileHandle) => Promise<void>;
}

/**
 * The log's syncs, off the event loop. A durable commit waits for a sync that began after it
 * committed; while one runs, every commit that comes waits for the one next, so under load
 * there is one sync per turn of the disk, not one per change (group commit across turns of
 * the writer). The log file stays the same file while the store is open: SQLite removes it
 * only when its last connection closes, and the writer is open until then.
 */
class WalSync {
  readonly #path: string;
  readonly #syncLog: (log: FileHandle) => Promise<void>;
  #log: Promise<FileHandle | undefined> | undefined;
  /** The sync under way. */
  #running: Promise<void> | undefined;
  /** The sync after it, shared by every commit made while the one under way runs. */
  #next: Promise<void> | undefined;

  constructor(path: string, syncLog: (log: FileHandle) => Promise<void>) {
    this.#path = path;
    this.#syncLog = syncLog;
  }

  /** Resolves once everything committed so far is on the disk. */
  synced(): Promise<void> {
    if (this.#running === undefined) {
      const running = this.#sync().finally(() => {
        if (this.#running === running) this.#running = undefined;
      });
      this.#running = running;
      return running;
    }
    // The sync under way may have begun before this commit: the next one covers it.
    this.#next ??= this.#running
      .catch(() => undefined)
      .then(() => {
        this.#next = undefined;
        return this.synced();
      });
    return this.#next;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#next, this.#running]);
    const log = await this.#log?.catch(() => undefined);
    this.#log = undefined;
    await log?.close().catch(() => undefined);
  }

  async #sync(): Promise<void> {
    this.#log ??= open(this.#path, 'r').catch((error: NodeJS.ErrnoException) => {
      this.#log = undefined;
      // No log yet: nothing was written to sync.
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    const log = await this.#log;
    if (log === undefined) return;
    await this.#syncLog(log);
  }
}

const datasync = (log: FileHandle): Promise<void> => log.datasync();

/** The first bytes of every SQLite database file. */
const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Checks the database file's header before SQLite opens it: a file that is not a database,
 * or one cut short (a copy that stopped, a full disk), is named with what to do instead of
 * failing later on the first page that is missing.
 */
function checkDatabaseFile(file: string): void {
  if (file === ':memory:') return;
  let header: Buffer;
  let size: number;
  try {
    size = statSync(file).size;
    if (size === 0) return;
    header = Buffer.alloc(100);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, header, 0, 100, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not there yet (a new store), or unreadable: SQLite's own open says which.
    return;
  }
  if (!header.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw sqliteError({ code: 'SQLITE_NOTADB', message: 'not a database' }, 'OPEN', file);
  }
  // With frames in the log, the file may be short of what its header says until a checkpoint
  // has run to its end (one cut by a full disk, say): the log holds the rest.
  if (walSize(file) > 0) return;
  const pageSize = header.readUInt16BE(16) === 1 ? 65536 : header.readUInt16BE(16);
  const pages = header.readUInt32BE(28);
  // The page count in the header is valid only when it was written with the change counter.
  const valid = header.readUInt32BE(24) === header.readUInt32BE(92);
  if (valid && pages > 0 && size < pages * pageSize) {
    throw new PlugndialError(
      'PND_DATABASE',
      `database error: ${file} is cut short (${size} of ${pages * pageSize} bytes); restore it from a backup ("plugndial restore") or move it away to start empty`,
      { sqlite: 'SQLITE_CORRUPT' },
    );
  }
}

function walSize(file: string): number {
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
}

/** A transaction waiting in a group for the writer (see SqliteConnection's #transaction). */
interface GroupMember {
  fn: (tx: SqlClient) => Promise<unknown>;
  lazy: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

class SqliteConnection {
  readonly client: SqlClient;
  readonly #file: string;
  readonly #writer: Connection;
  readonly #reader: Connection;
  readonly #texts = new Map<string, SqliteStatementText>();
  readonly #writerStatements = new Map<string, Statement>();
  readonly #readerStatements = new Map<string, Statement>();
  /** The writer's queue: each transaction or lone write runs after the one before. */
  #queue: Promise<unknown> = Promise.resolve();
  /** Transactions waiting for the writer's next turn, to run and commit together. */
  #forming: GroupMember[] | undefined;
  /** Undefined in memory, where nothing is durable. */
  readonly #wal: WalSync | undefined;
  #closed = false;

  constructor(file: string, options: SqliteOptions) {
    this.#file = file;
    this.#wal =
      file === ':memory:' ? undefined : new WalSync(`${file}-wal`, options.syncLog ?? datasync);
    checkDatabaseFile(file);
    this.#writer = openConnection(file, false);
    try {
      this.#reader = file === ':memory:' ? this.#writer : openConnection(file, true);
    } catch (error) {
      this.#writer.close();
      throw error;
    }
    const tx: SqlClient = {
      dialect: 'sqlite',
      query: <T>(text: string, params: readonly unknown[] = []) =>
        this.#run<T>(this.#writer, this.#writerStatements, text, params),
      transaction: (fn) => fn(tx),
      snapshot: (fn) => fn(tx),
      close: () => Promise.resolve(),
    };
    this.client = {
      dialect: 'sqlite',
      query: <T>(text: string, params: readonly unknown[] = []) => this.#query<T>(text, params),
      transaction: <T>(fn: (tx: SqlClient) => Promise<T>, options?: TransactionOptions) =>
        this.#transaction(fn, options?.lazyCommit === true, tx),
      snapshot: (fn) => this.#snapshot(fn),
      close: () => this.#close(),
    };
  }

  #query<T>(text: string, params: readonly unknown[]): Promise<T[]> {
    if (this.#closed) return Promise.reject(closedError());
    let statement: Statement;
    try {
      statement = this.#prepare(this.#reader, this.#readerStatements, text);
    } catch (error) {
      return Promise.reject(sqliteError(error, text, this.#file));
    }
    // Reads go to the reader at once; writes take their turn at the writer, and a write is
    // answered once it is on the disk.
    if (statement.readonly && this.#reader !== this.#writer)
      return this.#run<T>(this.#reader, this.#readerStatements, text, params);
    const written = this.#exclusive(() =>
      this.#run<T>(this.#writer, this.#writerStatements, text, params),
    );
    if (statement.readonly) return written;
    return written.then((rows) => this.#durable().then(() => rows));
  }

  /**
   * The log synced (at once in memory, where nothing is durable), or a database error that
   * says the change may not be on the disk.
   */
  #durable(): Promise<void> {
    if (this.#wal === undefined) return Promise.resolve();
    return this.#wal.synced().catch((error: unknown) => {
      const cause = error instanceof Error ? error.message : String(error);
      throw new PlugndialError(
        'PND_DATABASE',
        `database error: the disk holding ${this.#file} did not confirm the last change (${cause}); it may be lost at a power cut — check the disk, then whether the change is there`,
        { sqlite: 'SQLITE_IOERR_FSYNC' },
      );
    });
  }

  #run<T>(
    connection: Connection,
    cache: Map<string, Statement>,
    text: string,
    params: readonly unknown[],
  ): Promise<T[]> {
    if (this.#closed) return Promise.reject(closedError());
    try {
      const statement = this.#prepare(connection, cache, text);
      const { types, positional } = this.#text(text);
      let args: unknown[] = [];
      if (positional) {
        args = new Array<unknown>(types.size);
        for (const [index, type] of types) args[index - 1] = bindValue(params[index - 1], type);
      } else {
        const named: Record<string, unknown> = {};
        for (const [index, type] of types) named[`p${index}`] = bindValue(params[index - 1], type);
        args = [named];
      }
      if (statement.reader) return Promise.resolve(rowsOf<T>(statement, args));
      statement.run(...args);
      return Promise.resolve([]);
    } catch (error) {
      return Promise.reject(sqliteError(error, text, this.#file, params));
    }
  }

  #text(text: string): SqliteStatementText {
    let translated = this.#texts.get(text);
    if (!translated) {
      translated = sqliteText(text);
      if (this.#texts.size >= 2048) this.#texts.clear();
      this.#texts.set(text, translated);
    }
    return translated;
  }

  #prepare(connection: Connection, cache: Map<string, Statement>, text: string): Statement {
    let statement = cache.get(text);
    if (!statement) {
      statement = connection.prepare(this.#text(text).sql) as Statement;
      if (statement.reader) statement.raw(true);
      // Statements built per call (a batch of n rows) must not grow the cache without end.
      if (cache.size >= 2048) cache.clear();
      cache.set(text, statement);
    }
    return statement;
  }

  /**
   * Group commit: transactions asked for while the writer is busy wait as one group, and
   * when its turn comes the group runs as one database transaction, each member in a
   * savepoint of its own, with one commit (one sync of the log) for all. A member that fails
   * is rolled back to its savepoint alone and gets its own error; the others are answered
   * only once the commit is done and, unless every member is lazy, the log synced (WalSync),
   * so nothing is acknowledged before it is durable. Members run one after another, each
   * seeing what the ones before it wrote: as if run in turn. The writer moves on to the next
   * group while the log syncs, and that sync answers both.
   */
  #transaction<T>(fn: (tx: SqlClient) => Promise<T>, lazy: boolean, tx: SqlClient): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    return new Promise<T>((resolve, reject) => {
      const member: GroupMember = {
        fn,
        lazy,
        resolve: resolve as (value: unknown) => void,
        reject,
      };
      if (this.#forming) {
        this.#forming.push(member);
        return;
      }
      const group = [member];
      this.#forming = group;
      void this.#exclusive(async () => {
        // Its turn: no more members join this group.
        if (this.#forming === group) this.#forming = undefined;
        await this.#commitGroup(group, tx);
      });
    });
  }

  /** Runs a group (see #transaction); answers every member, never throws. */
  async #commitGroup(group: GroupMember[], tx: SqlClient): Promise<void> {
    // The commit goes to the log without waiting for the disk (synchronous = NORMAL); one
    // durable member makes the group wait for the log's next sync.
    const lazy = group.every((member) => member.lazy);
    const writer = this.#writer;
    const alone = group.length === 1;
    try {
      writer.exec('BEGIN IMMEDIATE');
    } catch (error) {
      const failed = sqliteError(error, 'BEGIN', this.#file);
      for (const member of group) member.reject(failed);
      return;
    }
    const done: { member: GroupMember; result: unknown }[] = [];
    try {
      for (const member of group) {
        if (!writer.inTransaction) {
          // An earlier member's failure took the whole transaction with it (a full disk, an
          // I/O error): this one was never run.
          member.reject(
            sqliteError(new Error('the transaction was rolled back'), 'BEGIN', this.#file),
          );
          continue;
        }
        try {
          if (!alone) writer.exec('SAVEPOINT member');
          const result = await member.fn(tx);
          if (!alone) writer.exec('RELEASE member');
          done.push({ member, result });
        } catch (error) {
          // The caller's own error passes through untouched.
          member.reject(error);
          if (!writer.inTransaction) {
            // SQLite rolled everything back: the members before this one are lost too.
            for (const earlier of done) earlier.member.reject(error);
            done.length = 0;
          } else if (alone) {
            writer.exec('ROLLBACK');
          } else {
            writer.exec('ROLLBACK TO member');
            writer.exec('RELEASE member');
          }
        }
      }
      if (!writer.inTransaction) return;
      try {
        writer.exec('COMMIT');
      } catch (error) {
        if (writer.inTransaction) writer.exec('ROLLBACK');
        const failed = sqliteError(error, 'COMMIT', this.#file);
        for (const { member } of done) member.reject(failed);
        return;
      }
      if (lazy || done.length === 0) {
        for (const { member, result } of done) member.resolve(result);
        return;
      }
      // Answered after the sync; the writer's turn ends now.
      this.#durable().then(
        () => {
          for (const { member, result } of done) member.resolve(result);
        },
        (failed: unknown) => {
          for (const { member } of done) member.reject(failed);
        },
      );
    } catch (error) {
      // The savepoint bookkeeping itself failed: nothing of the group is kept, and every
      // member not answered yet — done, running or still waiting its turn — is told so
      // (a promise already settled ignores it).
      try {
        if (writer.inTransaction) writer.exec('ROLLBACK');
      } catch {
        // Rolled back by SQLite itself, or the connection is gone: nothing is kept either way.
      }
      const failed = sqliteError(error, 'COMMIT', this.#file);
      for (const member of group) member.reject(failed);
    }
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    const turn = this.#queue.then(fn);
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /**
   * A connection of its own in one read transaction: WAL keeps its view while the writer
   * commits, so neither waits. An in-memory database has no second connection; there the
   * view holds the writer.
   */
  async #snapshot<T>(fn: (view: SqlClient) => Promise<T>): Promise<T> {
    if (this.#closed) throw closedError();
    if (this.#reader === this.#writer) return this.client.transaction(fn);
    const connection = openConnection(this.#file, true);
    const statements = new Map<string, Statement>();
    const view: SqlClient = {
      dialect: 'sqlite',
      query: <R>(text: string, params: readonly unknown[] = []) =>
        this.#run<R>(connection, statements, text, params),
      transaction: (inner) => inner(view),
      snapshot: (inner) => inner(view),
      close: () => Promise.resolve(),
    };
    try {
      connection.exec('BEGIN');
      // A read transaction starts at its first read.
      connection.prepare('SELECT count(*) FROM sqlite_schema').get();
      return await fn(view);
    } finally {
      if (connection.inTransaction) connection.exec('COMMIT');
      connection.close();
    }
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    await this.#queue;
    this.#closed = true;
    await this.#wal?.close();
    if (this.#reader !== this.#writer) this.#reader.close();
    // Folds the log into the database file, so a closed store is one file.
    try {
      pragma(this.#writer, 'wal_checkpoint(TRUNCATE)');
    } catch {
      // Another connection still reads; the log is folded in at the next open.
    }
    this.#writer.close();
  }
}

/** Each connection's page cache, in KiB. */
const PAGE_CACHE_KIB = 2048;

/** Column names by statement, for rows read as arrays. */
const COLUMNS = new WeakMap<Statement, string[]>();

/**
 * A statement's rows as objects. better-sqlite3 reads them as arrays (raw) and they are made
 * into objects here: its own objects of more than a few columns take a slow path in V8, and a
 * device row (nine columns) cost a third more that way on a phone's first request.
 */
function rowsOf<T>(statement: Statement, args: unknown[]): T[] {
  let names = COLUMNS.get(statement);
  if (!names) {
    names = statement.columns().map((column) => column.name);
    COLUMNS.set(statement, names);
  }
  const rows = statement.all(...args) as unknown[][];
  const out = new Array<T>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const record: Record<string, unknown> = {};
    for (let c = 0; c < names.length; c++) record[names[c]!] = row[c];
    out[i] = record as T;
  }
  return out;
}

/**
 * On Node.js 24, better-sqlite3 12 aborts the process when the garbage collector finalizes one
 * of its statements or connections: Node 24's `ObjectWrap` destructor removes an environment
 * cleanup hook and asserts an environment that a finalizer running inside a collection does
 * not have ("Assertion failed: (env) != nullptr", WiseLibs/better-sqlite3#1515; 13.x, on
 * Node-API, needs Node 22). There, every connection and statement stays reachable until the
 * process exits. The cost is a few hundred bytes per closed connection or dropped statement:
 * statements are cached by text, and connections are opened per backup or export.
 */
const KEEP_REACHABLE = Number(process.versions.node.split('.')[0]) >= 24;
const reachable = new Set<object>();

function keepReachable(connection: Connection): void {
  reachable.add(connection);
  const prepare = connection.prepare.bind(connection);
  connection.prepare = ((source: string) => {
    const statement = prepare(source);
    reachable.add(statement);
    return statement;
  }) as Connection['prepare'];
}

const PRAGMAS = new WeakMap<Connection, Map<string, Statement>>();

/**
 * `PRAGMA text` through a statement prepared once per connection: better-sqlite3's own
 * `pragma()` prepares a new one on every call, out of reach of `keepReachable`, and the
 * per-transaction ones would each be left to the collector.
 */
function pragma(connection: Connection, text: string): unknown {
  let statements = PRAGMAS.get(connection);
  if (!statements) PRAGMAS.set(connection, (statements = new Map()));
  let statement = statements.get(text);
  if (!statement) {
    statement = connection.prepare(`PRAGMA ${text}`) as Statement;
    statements.set(text, statement);
  }
  return statement.reader ? statement.get() : statement.run();
}

function openConnection(file: string, readonly: boolean): Connection {
  let connection: Connection;
  try {
    connection = new Database(file, { readonly, fileMustExist: readonly });
  } catch (error) {
    throw sqliteError(error, 'OPEN', file);
  }
  if (KEEP_REACHABLE) keepReachable(connection);
  try {
    pragma(connection, 'busy_timeout = 5000');
    // better-sqlite3 builds SQLite with a 16 MiB page cache per connection; SQLite's own 2 MiB
    // holds every interior page of a large fleet's tables, and the kernel caches the rest of
    // the file. A full read (the check, a backup) no longer leaves 16 MiB behind per connection.
    pragma(connection, `cache_size = -${PAGE_CACHE_KIB}`);
    if (!readonly) {
      // The first statement that reads the file: a file that is not a database fails here.
      pragma(connection, 'journal_mode = WAL');
      // Commits reach the log without a sync on this thread; WalSync syncs it before a
      // durable change is answered. Checkpoints still sync the log and the database.
      pragma(connection, 'synchronous = NORMAL');
    }
    pragma(connection, 'foreign_keys = ON');
    connection.defaultSafeIntegers(false);
    return connection;
  } catch (error) {
    connection.close();
    throw sqliteError(error, 'OPEN', file);
  }
}

function closedError(): PlugndialError {
  return new PlugndialError('PND_DATABASE', 'database error: the database is closed');
}

/** SQLite's result codes for constraints, as the SQLSTATEs the store checks on both engines. */
const CONSTRAINT_STATES: Record<string, string> = {
  SQLITE_CONSTRAINT_UNIQUE: '23505',
  SQLITE_CONSTRAINT_PRIMARYKEY: '23505',
  SQLITE_CONSTRAINT_FOREIGNKEY: '23503',
  SQLITE_CONSTRAINT_NOTNULL: '23502',
  SQLITE_CONSTRAINT_CHECK: '23514',
};

/**
 * A SQLite failure as PND_DATABASE. SQLite's messages name tables, columns and constraints,
 * never bound values; parameter text is scrubbed all the same. A file that is not a
 * database, a damaged one and a full disk say which file and what to do.
 */
export function sqliteError(
  error: unknown,
  text: string,
  file: string,
  params: readonly unknown[] = [],
): PlugndialError {
  if (error instanceof PlugndialError) return error;
  const fields = (typeof error === 'object' && error !== null ? error : {}) as Record<
    string,
    unknown
  >;
  const code = typeof fields.code === 'string' ? fields.code : 'SQLITE_ERROR';
  const message = typeof fields.message === 'string' ? fields.message : String(error);
  const statement = text.trim().split(/\s+/, 1)[0]?.toUpperCase() ?? '';
  const details: Record<string, unknown> = { sqlite: code };
  const sqlState = CONSTRAINT_STATES[code];
  if (sqlState) details.sqlState = sqlState;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CORRUPT')) {
    return new PlugndialError(
      'PND_DATABASE',
      `database error: ${file} is not a plugndial database or is damaged (${code}); restore it from a backup ("plugndial restore") or move it away to start empty`,
      details,
    );
  }
  if (code === 'SQLITE_FULL') {
    return new PlugndialError(
      'PND_DATABASE',
      `database error during ${statement}: the disk holding ${file} is full; nothing of this change was stored — free space and try again`,
      details,
    );
  }
  if (code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_CANTOPEN')) {
    return new PlugndialError(
      'PND_DATA_DIR',
      `cannot open the database ${file} (${code}); check that the directory exists and is writable by this user`,
      details,
    );
  }
  if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY')) {
    return new PlugndialError(
      'PND_DATA_DIR',
      `the database ${file} is read only (${code}); check its permissions and those of its directory`,
      details,
    );
  }
  let safe = message;
  for (const param of params) {
    if (typeof param === 'string' && param.length >= 4) safe = safe.split(param).join('…');
  }
  return new PlugndialError(
    'PND_DATABASE',
    `database error during ${statement}: ${safe.slice(0, 200)} [${code}]`,
    details,
  );
}
