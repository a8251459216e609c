import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { PlugndialError } from '../errors.ts';
import { isDataDirLocked, lockDataDir } from './data-dir-lock.ts';
import { openEmbeddedClient, openPostgresClient } from './sql.ts';
import { SqlStore } from './sql-store.ts';
import type { Store } from './store.ts';

export { isDataDirLocked };

export type StoreOptions = { dataDir: string } | { databaseUrl: string };

/**
 * Opens the store. Embedded: one process owns `dataDir` (its lock file says which), and
 * PGlite keeps its files in `<dataDir>/pgdata`. PostgreSQL: any number of nodes share it.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  if ('databaseUrl' in options) {
    const client = openPostgresClient(options.databaseUrl);
    return SqlStore.open({ backend: 'postgres', client, databaseUrl: options.databaseUrl });
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
  const lock = lockDataDir(dataDir);
  try {
    const client = await openEmbeddedClient(join(dataDir, 'pgdata'));
    return await SqlStore.open({ backend: 'embedded', client, onClose: () => lock.release() });
  } catch (error) {
    lock.release();
    throw error;
  }
}
