import {
  closeSync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';

import { PlugndialError } from '../errors.ts';

export const LOCK_FILE = 'plugndial.lock';

/** Data directories this process holds, so a second open in the same process is refused too. */
const held = new Set<string>();

export interface DataDirLock {
  release(): void;
}

/**
 * Takes `<dataDir>/plugndial.lock` exclusively (linked into place whole, holding our pid). A
 * lock left by a process that is gone is taken over; one held by a live process is
 * PND_DATA_DIR_LOCKED.
 * The lock is released by release() or, failing that, when this process exits.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const dir = resolve(dataDir);
  const file = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (tryCreate(file)) {
      removeOwnFilesOfTheDead(dir);
      return holdLock(dir, file);
    }
    const holder = lockHolder(dir);
    if (holder) throw lockedError(dir, holder.pid);
    takeOverStale(file);
  }
  throw new PlugndialError(
    'PND_DATA_DIR_LOCKED',
    `could not take ${file}: other processes keep taking it; try again`,
  );
}

/** Who holds the data directory, if a live process does; stale locks count as free. */
export function isDataDirLocked(dataDir: string): { pid: number } | undefined {
  return lockHolder(resolve(dataDir));
}

function lockHolder(dir: string): { pid: number } | undefined {
  const file = join(dir, LOCK_FILE);
  const pid = readPid(file);
  if (pid === undefined) return undefined;
  // A lock without a pid yet is one another process has just created and is writing.
  if (pid === 0) return isFresh(file) ? { pid } : undefined;
  // Our own pid in the file is only ours if this process took it; after a restart in a
  // container the new process often gets the old pid back.
  if (pid === process.pid) return held.has(dir) ? { pid } : undefined;
  return isAlive(pid) ? { pid } : undefined;
}

/**
 * The lock appears whole: our pid is written to a file of our own, which is then linked to
 * the lock's name (a link, like O_EXCL, fails when the name exists). Created empty and then
 * written, a start killed in between left an empty lock, which the next start took for one
 * being written and refused for five seconds. Where the file system has no hard links, the
 * lock is created empty and written, as before.
 */
function tryCreate(file: string): boolean {
  // Named by pid: removeOwnFilesOfTheDead knows whose it is.
  const own = `${file}.${process.pid}`;
  try {
    writeFileSync(own, `${process.pid}\n`, { mode: 0o600 });
  } catch (error) {
    throw cannotCreate(file, error);
  }
  try {
    linkSync(own, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS')
      return createThenWrite(file);
    throw cannotCreate(file, error);
  } finally {
    try {
      unlinkSync(own);
    } catch {
      // already gone
    }
  }
}

/**
 * A start killed before it linked its own file leaves that file behind, and one killed while
 * taking over a stale lock leaves the lock it moved aside: both are named by their writer's
 * pid, and the lock's holder removes those of processes that are gone.
 */
function removeOwnFilesOfTheDead(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = writerOf(name);
    if (pid === undefined || pid === process.pid || isAlive(pid)) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      // already gone
    }
  }
}

/** The pid of `plugndial.lock.<pid>` (tryCreate) or `plugndial.lock.stale-<pid>-<ms>` (takeOverStale). */
function writerOf(name: string): number | undefined {
  if (!name.startsWith(`${LOCK_FILE}.`)) return undefined;
  const match = /^(?:(\d+)|stale-(\d+)-\d+)$/.exec(name.slice(LOCK_FILE.length + 1));
  const pid = match?.[1] ?? match?.[2];
  return pid === undefined ? undefined : Number(pid);
}

function createThenWrite(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw cannotCreate(file, error);
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function cannotCreate(file: string, error: unknown): PlugndialError {
  return new PlugndialError(
    'PND_DATA_DIR',
    `cannot create ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the data directory's permissions`,
  );
}

/**
 * Moves a stale lock aside rather than deleting it, then checks what was moved: if another
 * process took the lock over in between, its fresh lock is put back.
 */
function takeOverStale(file: string): void {
  const aside = `${file}.stale-${process.pid}-${Date.now()}`;
  try {
    renameSync(file, aside);
  } catch {
    return; // already gone: someone else took it over, the next attempt tells who
  }
  const pid = readPid(aside);
  const stale =
    pid === undefined || pid === process.pid || (pid === 0 ? !isFresh(aside) : !isAlive(pid));
  if (stale) {
    unlinkSync(aside);
    return;
  }
  try {
    renameSync(aside, file);
  } catch {
    unlinkSync(aside);
  }
}

function holdLock(dir: string, file: string): DataDirLock {
  held.add(dir);
  const release = (): void => {
    if (!held.delete(dir)) return;
    process.off('exit', release);
    if (readPid(file) === process.pid) {
      try {
        unlinkSync(file);
      } catch {
        // already removed
      }
    }
  };
  process.on('exit', release);
  return { release };
}

function readPid(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : 0;
}

function isFresh(file: string): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs < 5_000;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockedError(dir: string, pid: number): PlugndialError {
  return new PlugndialError(
    'PND_DATA_DIR_LOCKED',
    `data directory ${dir} is in use by ${pid > 0 ? `process ${pid}` : 'another process'}; management commands talk to the running server's API instead, or stop that server first`,
    { pid, dataDir: dir },
  );
}
