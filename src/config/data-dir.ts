import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  lstatSync,
  readdirSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

import { pndError } from '../errors.ts';
import type { ListenAddress } from './listen.ts';

/**
 * The data directory when none is named; here rather than in server-config, so a command
 * reads it without loading the server's configuration.
 */
export const DEFAULT_DATA_DIR = 'data';

/** Files plugndial keeps beside the embedded database in its data directory. */
export const TOKEN_FILE = 'admin-token';
export const SERVER_FILE = 'server.json';

export interface RunningServer {
  pid: number;
  /** Base URL of the admin API, e.g. http://127.0.0.1:8080/api/v1 */
  api: string;
  startedAt: string;
  /** Every door as bound (port 0 resolved), once all listen. */
  doors?: Partial<Record<string, ListenAddress>>;
  /** `--public-url`, when the server was given one. */
  publicUrl?: string;
}

export function ensureDataDir(dataDir: string): void {
  // Everything this process writes there (database, keys, tokens) is its owner's alone.
  if (isMainThread) process.umask(0o077);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw pndError(
      'PND_DATA_DIR',
      `cannot create data directory ${dataDir}: ${(error as Error).message}`,
    );
  }
  try {
    chmodSync(dataDir, 0o700);
  } catch {
    // Someone else's directory that we may write to: leave its mode to its owner.
  }
}

/**
 * Takes group and other permissions off everything in the data directory. The embedded
 * database's WASM file system sets its files' modes itself (0666), past the umask; its
 * directories are 0700, so this only makes the files say what is already true.
 */
export function tightenDataDir(dataDir: string, limit = 100_000): void {
  const pending = [dataDir];
  let seen = 0;
  while (pending.length > 0 && seen++ < limit) {
    const path = pending.pop()!;
    try {
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) continue;
      if (stat.mode & 0o077) chmodSync(path, stat.mode & 0o700);
      if (stat.isDirectory()) for (const name of readdirSync(path)) pending.push(join(path, name));
    } catch {
      // Gone meanwhile, or not ours: nothing to tighten.
    }
  }
}

/**
 * The admin API token, created (owner-readable only) on first start. It is written aside and
 * renamed into place: a start killed while writing it leaves no empty token behind, which
 * would lock the API for good. An empty one such a start of an older version left is made
 * again.
 */
export function adminToken(dataDir: string): { token: string; path: string; created: boolean } {
  const path = join(dataDir, TOKEN_FILE);
  const existing = readToken(dataDir);
  if (existing) return { token: existing, path, created: false };
  const token = randomBytes(24).toString('base64url');
  const aside = `${path}.${process.pid}.new`;
  writeFileSync(aside, `${token}\n`, { mode: 0o600 });
  chmodSync(aside, 0o600);
  renameSync(aside, path);
  return { token, path, created: true };
}

export function readToken(dataDir: string): string | undefined {
  try {
    return readFileSync(join(dataDir, TOKEN_FILE), 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function writeRunningServer(dataDir: string, server: RunningServer): void {
  writeFileSync(join(dataDir, SERVER_FILE), JSON.stringify(server), { mode: 0o600 });
}

export function clearRunningServer(dataDir: string): void {
  rmSync(join(dataDir, SERVER_FILE), { force: true });
}

/** The server holding this data directory, if its process is still alive. */
export function runningServer(dataDir: string): RunningServer | undefined {
  let server: RunningServer;
  try {
    server = JSON.parse(readFileSync(join(dataDir, SERVER_FILE), 'utf8')) as RunningServer;
  } catch {
    return undefined;
  }
  if (!Number.isInteger(server.pid) || typeof server.api !== 'string') return undefined;
  try {
    process.kill(server.pid, 0);
    return server;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? server : undefined;
  }
}
