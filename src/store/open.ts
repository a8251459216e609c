import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { storeQueryChannel, type StoreQueryMessage } from '../channels.ts';
import { PlugndialError } from '../errors.ts';
import { isDataDirLocked, lockDataDir } from './data-dir-lock.ts';
import { openSqliteClient } from './sqlite-client.ts';
import { SqlStore } from './sql-store.ts';
import type { SqlClient } from './sql.ts';
import type { Store } from './store.ts';

export { isDataDirLocked };

export type StoreOptions = { dataDir: string } | { databaseUrl: string } | { memory: true };

/** The embedded store's database file in a data directory. */
export const DATABASE_FILE = 'plugndial.db';

/**
 * Opens the store. Embedded: one process owns `dataDir` (its lock file says which), and
 * SQLite keeps the store in `<dataDir>/plugndial.db`. PostgreSQL: any number of nodes share
 * it. In memory: a store that lives as long as the process (tests, dry runs).
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  if ('databaseUrl' in options) {
    // Loaded only for PostgreSQL: the embedded store and its commands never need its client.
    const { openPostgresClient } = await import('./postgres-client.ts');
    const client = timed(openPostgresClient(options.databaseUrl));
    return SqlStore.open({ backend: 'postgres', client, databaseUrl: options.databaseUrl });
  }
  if ('memory' in options) {
    return SqlStore.open({ backend: 'embedded', client: openSqliteClient(':memory:') });
  }
  return openEmbeddedStore(options.dataDir);
}

async function openEmbeddedStore(dataDir: string): Promise<Store> {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new PlugndialError(
      'PND_DATA_DIR',
      `cannot create data directory ${dataDir} (${code}); check the path and its permissions`,
    );
  }
  refuseEarlierEngine(dataDir);
  const lock = lockDataDir(dataDir);
  try {
    const client = timed(openSqliteClient(join(dataDir, DATABASE_FILE)));
    return await SqlStore.open({ backend: 'embedded', client, onClose: () => lock.release() });
  } catch (error) {
    lock.release();
    throw error;
  }
}

/**
 * plugndial 0.1 kept its embedded store in `<dataDir>/pgdata`, a PostgreSQL data directory
 * run by PGlite. This version neither reads nor touches it: it says what it found and what
 * to do, before taking the lock or creating anything.
 */
function refuseEarlierEngine(dataDir: string): void {
  const pgdata = join(dataDir, 'pgdata');
  if (!existsSync(join(pgdata, 'PG_VERSION'))) return;
  if (existsSync(join(dataDir, DATABASE_FILE))) return;
  throw new PlugndialError(
    'PND_DATA_DIR',
    `${resolve(pgdata)} holds a store of plugndial 0.1's embedded engine (PGlite), which this version does not read; ` +
      `it was left untouched. To move its devices here: with plugndial 0.1, "plugndial device list --json" and ` +
      `"plugndial profile list --json" print them, and "plugndial device import" takes them back as CSV; or start ` +
      `this version on a new --data-dir, or move ${resolve(pgdata)} away`,
  );
}

/**
 * The client with each statement and transaction timed for whoever listens on
 * storeQueryChannel (the metrics); without a listener it costs a property read.
 */
function timed(client: SqlClient): SqlClient {
  const engine = client.dialect;
  const time = <T>(what: StoreQueryMessage['what'], run: () => Promise<T>): Promise<T> => {
    if (!storeQueryChannel.hasSubscribers) return run();
    const started = performance.now();
    const published = (): void => {
      const seconds = (performance.now() - started) / 1000;
      storeQueryChannel.publish({ engine, what, seconds } satisfies StoreQueryMessage);
    };
    const running = run();
    running.then(published, published);
    return running;
  };
  return {
    dialect: engine,
    query: (text, params) => time('query', () => client.query(text, params)),
    transaction: (fn, options) => time('transaction', () => client.transaction(fn, options)),
    snapshot: (fn) => client.snapshot(fn),
    close: () => client.close(),
  };
}
