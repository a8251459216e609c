/**
 * The embedded PGlite engine on a thread of its own, so its WASM never runs on the thread that
 * answers phones. sql.ts's `openEmbeddedClient` starts it with `workerData` = `{ pgdata }` and
 * speaks the messages below; this module has no other user.
 *
 * PGlite's own locks order the work: a statement outside any transaction waits for the open
 * transaction to end, statements of the open transaction run as they come, one at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { PGlite, types, type Transaction } from '@electric-sql/pglite';

import { LoopPoller } from '../loop-poller.ts';
import { DurableNodeFS, durableStartParams } from './durable-nodefs.ts';
import { isRead } from './read-query.ts';

/** What the main thread asks. `id` is echoed in the reply; `tx` names an open transaction. */
export type EmbeddedRequest =
  | {
      id: number;
      op: 'query';
      sql: string;
      params: unknown[];
      /** Positions in `params` that were Buffers (they arrive as plain Uint8Arrays). */
      buffers?: number[];
      tx?: number;
    }
  | { id: number; op: 'begin' }
  | { id: number; op: 'commit' | 'rollback'; tx: number }
  | { id: number; op: 'close' };

/** The fields of a failure that `databaseError` reads; never parameter values. */
export interface EmbeddedFailure {
  message: string;
  name?: string;
  severity?: string;
  code?: string;
  table?: string;
  constraint?: string;
}

/** The answer to request `id`; id 0 answers the start (the database is open, or could not be). */
export type EmbeddedReply =
  | { id: number; ok: true; rows?: unknown[]; tx?: number }
  | { id: number; ok: false; error: EmbeddedFailure };

export interface EmbeddedWorkerData {
  pgdata: string;
}

interface OpenTransaction {
  tx: Transaction;
  /** Ends the transaction: commit or roll back. */
  end(commit: boolean): void;
  /** Settles when COMMIT or ROLLBACK has run; rejects when COMMIT failed or rolled back. */
  ended: Promise<void>;
}

const port = parentPort;
if (!port) throw new Error('embedded-worker.ts runs as a worker thread only');

const transactions = new Map<number, OpenTransaction>();
let db: PGlite | undefined;

/** After a read, the main thread's next read often follows at once: poll for it a while. */
const poller = new LoopPoller(0.25);

function post(reply: EmbeddedReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(reply, transfer);
}

function failure(error: unknown): EmbeddedFailure {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const fields = error as Record<string, unknown>;
  const out: EmbeddedFailure = {
    message: typeof fields.message === 'string' ? fields.message : String(error),
  };
  for (const key of ['name', 'severity', 'code', 'table', 'constraint'] as const) {
    const value = fields[key];
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

/**
 * bytea as hex through Buffer: the same values as PGlite's own codec, which converts byte by
 * byte in JavaScript and costs seconds per MiB. Each parsed value owns its ArrayBuffer, so it
 * can be transferred to the main thread instead of copied.
 */
const byteaParser = (text: string): Uint8Array => {
  const hex = text.slice(2);
  const bytes = new Uint8Array(hex.length >>> 1);
  Buffer.from(bytes.buffer).write(hex, 'hex');
  return bytes;
};
const byteaSerializer = (value: unknown): string => {
  if (!(value instanceof Uint8Array)) throw new Error('Invalid input for bytea type');
  return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
};

/** Replies with rows, moving each bytea value's ArrayBuffer instead of copying it. */
function postRows(id: number, rows: unknown[]): void {
  const transfer: ArrayBuffer[] = [];
  const seen = new Set<ArrayBufferLike>();
  for (const row of rows) {
    if (typeof row !== 'object' || row === null) continue;
    const record = row as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const value = record[key];
      if (!(value instanceof Uint8Array)) continue;
      const owned =
        value.buffer instanceof ArrayBuffer &&
        value.byteOffset === 0 &&
        value.byteLength === value.buffer.byteLength &&
        !seen.has(value.buffer);
      const moved = owned ? value : new Uint8Array(value);
      seen.add(moved.buffer);
      transfer.push(moved.buffer as ArrayBuffer);
      record[key] = moved;
    }
  }
  post({ id, ok: true, rows }, transfer);
}

function begin(id: number, database: PGlite): void {
  let decide: (commit: boolean) => void = () => undefined;
  const decision = new Promise<boolean>((resolve) => {
    decide = resolve;
  });
  let started = false;
  const ended = database.transaction(async (tx) => {
    started = true;
    transactions.set(id, { tx, end: decide, ended });
    post({ id, ok: true, tx: id });
    if (!(await decision)) await tx.rollback();
  });
  ended.catch((error: unknown) => {
    // Before the callback ran, BEGIN itself failed and nobody else will hear of it.
    if (!started) post({ id, ok: false, error: failure(error) });
  });
}

async function handle(request: EmbeddedRequest): Promise<void> {
  const database = db!;
  switch (request.op) {
    case 'query': {
      const params = request.params;
      for (const index of request.buffers ?? []) {
        const bytes = params[index] as Uint8Array;
        params[index] = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      }
      let target: Pick<PGlite, 'query'> | Transaction = database;
      if (request.tx !== undefined) {
        const open = transactions.get(request.tx);
        if (!open) throw new Error('Transaction is closed');
        target = open.tx;
      }
      const result = await target.query(request.sql, params);
      postRows(request.id, result.rows);
      if (request.tx === undefined && isRead(request.sql)) poller.hold();
      return;
    }
    case 'begin':
      begin(request.id, database);
      return;
    case 'commit':
    case 'rollback': {
      const open = transactions.get(request.tx);
      if (!open) throw new Error('Transaction is closed');
      transactions.delete(request.tx);
      open.end(request.op === 'commit');
      await open.ended;
      post({ id: request.id, ok: true });
      return;
    }
    case 'close':
      // Waits for an open transaction to end, as PGlite's close does on any thread.
      if (!database.closed) await database.close();
      post({ id: request.id, ok: true });
      return;
  }
}

try {
  const pgdata = (workerData as EmbeddedWorkerData).pgdata;
  const codecs = {
    parsers: { [types.BYTEA]: byteaParser },
    serializers: { [types.BYTEA]: byteaSerializer },
  };
  // A directory on disk is made durable: an acknowledged change survives a power loss too.
  db = pgdata.startsWith('memory://')
    ? await PGlite.create(pgdata, codecs)
    : await PGlite.create({
        ...codecs,
        fs: new DurableNodeFS(pgdata),
        startParams: durableStartParams(),
      });
} catch (error) {
  post({ id: 0, ok: false, error: failure(error) });
}
if (db) {
  port.on('message', (request: EmbeddedRequest) => {
    handle(request).catch((error: unknown) => {
      post({ id: request.id, ok: false, error: failure(error) });
    });
  });
  post({ id: 0, ok: true });
}
