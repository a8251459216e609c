// The data directory's lock: a start killed as it takes the lock must not leave one that
// holds the next start (crash-start.test.ts met that once in fifty kills).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { LOCK_FILE, lockDataDir } from '../../src/store/data-dir-lock.ts';
import { tempDir } from '../support/harness.ts';

const MODULE = pathToFileURL(join(import.meta.dirname, '../../src/store/data-dir-lock.ts')).href;

/**
 * Runs a start that takes the lock in `dir` and is SIGKILLed at the fs call `patch` names,
 * before it (`before`) or after it; asserts that it died there.
 */
function killedStart(dir: string, patch: string): void {
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import fs from 'node:fs';
       import { syncBuiltinESMExports } from 'node:module';
       ${patch}
       syncBuiltinESMExports();
       const { lockDataDir } = await import(${JSON.stringify(MODULE)});
       lockDataDir(${JSON.stringify(dir)});`,
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  assert.equal(child.error, undefined);
  assert.equal(child.signal, 'SIGKILL', `the start was to die, and said: ${child.stderr}`);
}

const die = "process.kill(process.pid, 'SIGKILL')";

test('a start killed at its first write to the lock leaves no lock that holds the next start', (t) => {
  const dir = tempDir('pnd-lock-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // The child dies at its first fs.writeSync: where the lock used to be created empty and
  // then written, that is with the empty lock in place. Now the first write is to the
  // child's own file on Node 20; later lines write a string without fs.writeSync, and the
  // child dies at the link instead, its own file written and the lock not yet in place.
  killedStart(dir, `fs.writeSync = () => ${die}; fs.linkSync = () => ${die};`);
  // Within the five seconds an empty lock counted as one being written, the next start takes it.
  nextStartTakesItWhole(dir);
});

test('a start killed with the lock in place, or while taking a stale one over, leaves nothing', (t) => {
  const dir = tempDir('pnd-lock-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Killed just after the link: the lock is whole, its own file not yet removed.
  killedStart(dir, `const link = fs.linkSync; fs.linkSync = (...a) => { link(...a); ${die}; };`);
  assert.deepEqual(readdirSync(dir).sort(), [LOCK_FILE, `${LOCK_FILE}.${readPidOf(dir)}`]);
  // Killed just after moving that stale lock aside to take it over.
  killedStart(
    dir,
    `const rename = fs.renameSync; fs.renameSync = (...a) => { rename(...a); ${die}; };`,
  );
  assert.ok(readdirSync(dir).some((name) => name.startsWith(`${LOCK_FILE}.stale-`)));
  nextStartTakesItWhole(dir);
});

/**
 * The next start takes the lock at once, and what killed starts left of their own is gone
 * with them: the directory holds the lock alone, and nothing once it is released.
 */
function nextStartTakesItWhole(dir: string): void {
  const lock = lockDataDir(dir);
  try {
    assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), `${process.pid}\n`);
    assert.deepEqual(readdirSync(dir), [LOCK_FILE]);
  } finally {
    lock.release();
  }
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
}

/** The pid the lock in `dir` holds. */
function readPidOf(dir: string): number {
  return Number(readFileSync(join(dir, LOCK_FILE), 'utf8').trim());
}

test('taking the lock leaves nothing beside it, and a second taker is refused', (t) => {
  const dir = tempDir('pnd-lock-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lock = lockDataDir(dir);
  try {
    assert.deepEqual(readdirSync(dir), [LOCK_FILE]);
    assert.throws(() => lockDataDir(dir), { code: 'PND_DATA_DIR_LOCKED' });
  } finally {
    lock.release();
  }
  assert.deepEqual(readdirSync(dir), []);
});
