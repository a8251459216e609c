import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';

import Database from 'better-sqlite3';
import pg from 'pg';

import { DATABASE_FILE } from '../../../src/store/open.ts';
import { logRecords, serve, type ServeProcess, httpOnly } from '../../support/serve.ts';

/**
 * The kills of a crash run and the seed of their moments: PLUGNDIAL_CRASH_KILLS (10; CI's
 * long run sets 50, .ci/run) and PLUGNDIAL_CRASH_SEED, so that a failure can be replayed.
 */
export const KILLS = Number(process.env['PLUGNDIAL_CRASH_KILLS'] ?? 10);
export const SEED = Number(process.env['PLUGNDIAL_CRASH_SEED'] ?? 0x5eed);

/** What a crash test leaves behind, gone when its file ends: the server then running, its directories. */
export function leftBehind(): { running: ServerUnderTest | undefined; dirs: string[] } {
  const left: { running: ServerUnderTest | undefined; dirs: string[] } = {
    running: undefined,
    dirs: [],
  };
  after(async () => {
    await left.running?.kill();
    for (const dir of left.dirs) rmSync(dir, { recursive: true, force: true });
  });
  return left;
}

/** A small deterministic generator (mulberry32): the same seed, the same kill moments. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The items in an order drawn from `next` (Fisher–Yates). */
export function shuffled<T>(items: readonly T[], next: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

export interface Answer {
  status: number;
  body: unknown;
}

/** A running `plugndial serve` on one data directory: its admin API and its phones' door. */
export interface ServerUnderTest {
  dataDir: string;
  /** The admin API's base URL (…/api/v1). */
  api: string;
  token: string;
  /** The phones' HTTP door, e.g. http://127.0.0.1:41234. */
  door: string;
  /** An API call; rejects when the server is gone before it answers. */
  call(method: string, path: string, body?: unknown, type?: string): Promise<Answer>;
  /** A GET that must answer 200. */
  get<T>(path: string): Promise<T>;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM, the way an operator stops it. */
  stop(): Promise<void>;
  process: ServeProcess;
  store: CrashStore;
}

/**
 * The store a crash run's server keeps its data in, as the test reads it behind the server's
 * back: the embedded SQLite file of its data directory, or a shared PostgreSQL database.
 */
export interface CrashStore {
  readonly name: string;
  /** `serve`'s arguments for it, besides the data directory. */
  args: readonly string[];
  /** How far the running server has stored an upload (see uploadProgress). */
  uploadProgress(path: string): UploadProgress;
  /** Versions nothing points at (see abandonedUploads). */
  abandonedUploads(): Promise<number>;
  /**
   * A start removes every one of them. With several nodes only those over a day old go
   * (removeAbandonedUploads): another node may be uploading right now.
   */
  sweptAtStart: boolean;
  /** The store's own verdict on what a killed server left, where it has one (SQLite's). */
  assertIntact?(when: string): void;
}

export interface UploadProgress {
  read(): Promise<number>;
  close(): Promise<void>;
}

/** The embedded store in `dataDir`. */
export function embeddedStore(dataDir: string): CrashStore {
  return {
    name: 'the embedded store',
    args: [],
    uploadProgress: (path) => {
      const progress = uploadProgress(dataDir, path);
      return { read: async () => progress.read(), close: async () => progress.close() };
    },
    abandonedUploads: async () => abandonedUploads(dataDir),
    sweptAtStart: true,
    assertIntact: (when) => assertStoreIntact(dataDir, when),
  };
}

const PROGRESS_SQL = `SELECT max(v.id)::float8 AS version, count(c.seq)::int AS chunks
  FROM file_versions v LEFT JOIN file_chunks c ON c.version = v.id WHERE v.path = $1`;
const ABANDONED_SQL = `SELECT count(*)::int AS n FROM file_versions v
  WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.version = v.id)
    AND NOT EXISTS (SELECT 1 FROM firmware_images i WHERE i.blob = v.id)`;

/**
 * A PostgreSQL database shared as nodes share it. The server killed is a client of it: the
 * database itself is not killed, so what is checked is what the node answered and what it
 * left half made, not PostgreSQL's own files.
 */
export function postgresStore(url: string): CrashStore {
  return {
    name: 'PostgreSQL',
    args: ['--database', url],
    uploadProgress: (path) => {
      const client = new pg.Client({ connectionString: url });
      const connected = client.connect();
      return {
        read: async () => {
          await connected;
          const { rows } = await client.query<{ version: number | null; chunks: number }>(
            PROGRESS_SQL,
            [path],
          );
          const row = rows[0];
          return row === undefined || row.version === null ? -1 : row.chunks;
        },
        close: async () => {
          await connected.catch(() => undefined);
          await client.end();
        },
      };
    },
    abandonedUploads: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ n: number }>(ABANDONED_SQL);
        return rows[0]?.n ?? 0;
      } finally {
        await client.end();
      }
    },
    sweptAtStart: false,
  };
}

export async function startServer(
  dataDir: string,
  store: CrashStore = embeddedStore(dataDir),
): Promise<ServerUnderTest> {
  const process = await serve([...httpOnly(dataDir), ...store.args]);
  const info = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as { api: string };
  const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  const port = process.ports['http'];
  assert.ok(port, 'the phones’ HTTP door says where it listens');
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    type = 'application/json',
  ): Promise<Answer> => {
    const response = await fetch(`${info.api}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': type } : {}),
      },
      ...(body !== undefined
        ? { body: typeof body === 'string' ? body : JSON.stringify(body) }
        : {}),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: kept as text for the message
    }
    return { status: response.status, body: parsed };
  };
  const server: ServerUnderTest = {
    dataDir,
    api: info.api,
    token,
    door: `http://127.0.0.1:${port}`,
    call,
    async get<T>(path: string): Promise<T> {
      const answer = await call('GET', path);
      assert.equal(answer.status, 200, `GET ${path}: ${JSON.stringify(answer.body)}`);
      return answer.body as T;
    },
    kill: () =>
      new Promise((resolve) => {
        const child = process.child;
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
    async stop(): Promise<void> {
      assert.equal(await process.stop(), 0, `serve did not stop cleanly:\n${process.log()}`);
    },
    process,
    store,
  };
  return server;
}

/**
 * The store opened cleanly: /healthz answers 200 and the server logged no error while it
 * started and ran.
 */
export async function assertHealthy(server: ServerUnderTest, when: string): Promise<void> {
  const health = await fetch(`${server.door}/healthz`);
  await health.arrayBuffer();
  assert.equal(health.status, 200, `${when}: /healthz`);
  assertNoErrorLogged(server, when);
}

export function assertNoErrorLogged(server: ServerUnderTest, when: string): void {
  const errors = logRecords(server.process.log()).filter(
    (r) => r['level'] === 'error' || r['level'] === 'fatal',
  );
  assert.deepEqual(errors, [], `${when}: the server logged errors`);
}

/**
 * better-sqlite3 12 aborts Node.js 24 when the collector finalizes a connection or statement
 * (see src/store/sqlite-client.ts); the check's stay reachable until the process exits.
 */
const reachable: unknown[] = [];

/**
 * SQLite's own verdict on the file a stopped (or killed) server left: every page, index and
 * foreign key sound. Read-only, so the next start replays the log itself as it would in the
 * field.
 */
export function assertStoreIntact(dataDir: string, when: string): void {
  const file = join(dataDir, DATABASE_FILE);
  assert.ok(existsSync(file), `${when}: ${file} exists`);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  reachable.push(db);
  try {
    const integrity = db.prepare('PRAGMA integrity_check');
    const foreignKeys = db.prepare('PRAGMA foreign_key_check');
    reachable.push(integrity, foreignKeys);
    assert.deepEqual(integrity.all(), [{ integrity_check: 'ok' }], `${when}: integrity_check`);
    assert.deepEqual(foreignKeys.all(), [], `${when}: foreign_key_check`);
  } finally {
    db.close();
  }
}

/**
 * How far the running server has stored an upload: -1 before it began, then the chunks it has
 * committed. Read through a read-only connection of the test's own (WAL lets a second process
 * read while the server writes); it only times a kill, nothing is asserted through it.
 */
export function uploadProgress(dataDir: string, path: string): { read(): number; close(): void } {
  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true, fileMustExist: true });
  const progress = db.prepare(
    `SELECT max(v.id) AS version, count(c.seq) AS chunks
     FROM file_versions v LEFT JOIN file_chunks c ON c.version = v.id WHERE v.path = ?`,
  );
  reachable.push(db, progress);
  return {
    read(): number {
      const row = progress.get(path) as { version: number | null; chunks: number };
      return row.version === null ? -1 : row.chunks;
    },
    close: () => db.close(),
  };
}

/**
 * Image and file versions nothing points at: what an upload cut by a kill leaves behind until
 * the next start removes it.
 */
export function abandonedUploads(dataDir: string): number {
  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true, fileMustExist: true });
  reachable.push(db);
  try {
    const count = db.prepare(
      `SELECT count(*) AS n FROM file_versions v
       WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.version = v.id)
         AND NOT EXISTS (SELECT 1 FROM firmware_images i WHERE i.blob = v.id)`,
    );
    reachable.push(count);
    return (count.get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/**
 * What a key may be found as after a restart: its last answered state, and any state sent
 * after it that was never answered. `null` is "absent". Once a restart has shown one of
 * them, that one is stored for good and the others are dropped.
 */
export class Ledger<V> {
  readonly #allowed = new Map<string, (V | null)[]>();
  readonly #show: (value: V | null) => string;

  constructor(show: (value: V | null) => string = (value) => JSON.stringify(value)) {
    this.#show = show;
  }

  /** A change was sent: until it is answered, the key may be found either way. */
  sent(key: string, value: V | null): void {
    const before = this.#allowed.get(key) ?? [null];
    this.#allowed.set(key, [...before, value]);
  }

  /** The change was answered 2xx: nothing else will do. */
  answered(key: string, value: V | null): void {
    this.#allowed.set(key, [value]);
  }

  keys(): IterableIterator<string> {
    return this.#allowed.keys();
  }

  has(key: string): boolean {
    return this.#allowed.has(key);
  }

  /** Checks what a restart shows for a key against what was answered, and keeps it. */
  check(key: string, found: V | null, when: string, same: (a: V, b: V) => boolean): void {
    const allowed = this.#allowed.get(key) ?? [null];
    const match = allowed.find((v) =>
      v === null || found === null ? v === found : same(v, found),
    );
    assert.ok(
      match !== undefined,
      `${when}: ${key} is ${this.#show(found)}; the server had answered ${this.#show(allowed[0] ?? null)}` +
        (allowed.length > 1
          ? ` (or unanswered: ${allowed.slice(1).map(this.#show).join(', ')})`
          : ''),
    );
    this.#allowed.set(key, [match]);
  }
}
