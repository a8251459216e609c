// A server SIGKILLed while it starts: on a new data directory (the store created, its schema
// migrated, the admin token and server.json written) and on one in use (the store opened,
// what cut uploads left removed). After each kill the next start comes up healthy on the same
// directory, and what the directory held before is all there. The kill moments spread over
// the time a start takes, from one seed (PLUGNDIAL_CRASH_SEED), PLUGNDIAL_CRASH_KILLS of them
// (each directory gets half; CI's long run sets 50).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { DATABASE_FILE } from '../../src/store/open.ts';
import { tempDir } from '../support/harness.ts';
import { BIN, httpOnly } from '../support/serve.ts';
import {
  assertHealthy,
  assertStoreIntact,
  random,
  sleep,
  KILLS,
  leftBehind,
  SEED,
  startServer,
} from './crash/support.ts';

const left = leftBehind();

/** Starts serve and SIGKILLs it `afterMs` later, whatever it has done by then. */
async function killWhileStarting(dataDir: string, afterMs: number): Promise<void> {
  const child = spawn(BIN, ['serve', ...httpOnly(dataDir), '--acs', 'off', '--admin', 'off'], {
    stdio: 'ignore',
  });
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await sleep(afterMs);
  child.kill('SIGKILL');
  await gone;
}

/**
 * When, into a first start on this machine, the store file appears and when the server is
 * ready: the kills fall between the two, where the store is made, migrated and opened.
 */
async function startTimes(dataDir: string): Promise<{ storeMs: number; readyMs: number }> {
  const began = performance.now();
  let storeMs = 0;
  const watching = setInterval(() => {
    if (storeMs === 0 && existsSync(join(dataDir, DATABASE_FILE)))
      storeMs = performance.now() - began;
  }, 1);
  try {
    const server = await startServer(dataDir);
    const readyMs = performance.now() - began;
    await server.stop();
    return { storeMs: storeMs || readyMs / 2, readyMs };
  } finally {
    clearInterval(watching);
  }
}

test(`${KILLS} SIGKILLs while the server starts, on a new and on a used data directory, leave a store that opens whole`, async (t) => {
  assert.ok(
    Number.isSafeInteger(KILLS) && KILLS > 1 && KILLS <= 256,
    'PLUGNDIAL_CRASH_KILLS: 2–256',
  );
  const next = random(SEED ^ 0x57a47);
  const root = tempDir('pnd-crash-start-');
  left.dirs.push(root);
  const { storeMs, readyMs } = await startTimes(join(root, 'probe'));
  // A little before the store appears to a little after the server is ready.
  const moment = (): number => Math.max(0, storeMs - 30 + next() * (readyMs - storeMs + 60));
  let seenStore = 0;
  let journals = 0;
  // A new directory each time: the kill falls in the store's creation and first migration.
  for (let kill = 1; kill <= Math.ceil(KILLS / 2); kill += 1) {
    const dataDir = join(root, `new-${kill}`);
    const afterMs = moment();
    await killWhileStarting(dataDir, afterMs);
    const when = `kill ${kill} at ${afterMs.toFixed(0)} ms into a first start (seed ${SEED})`;
    if (existsSync(join(dataDir, DATABASE_FILE))) seenStore++;
    // Killed before the store was in WAL mode, it may have left a rollback journal: the next
    // start (read-write) rolls it back, which a read-only look beforehand could not.
    if (existsSync(join(dataDir, `${DATABASE_FILE}-journal`))) journals++;
    left.running = await startServer(dataDir);
    await assertHealthy(left.running, `restart after ${when}`);
    const added = await left.running.call('POST', '/devices', {
      mac: '001565aa0001',
      vendor: 'yealink',
    });
    assert.equal(added.status, 201, `${when}: a device can be added after it`);
    assertStoreIntact(dataDir, `${when}, once started again`);
    await left.running.stop();
    left.running = undefined;
  }
  // One directory in use: a device and a profile, then kill after kill while it opens.
  const used = join(root, 'used');
  left.running = await startServer(used);
  assert.equal((await left.running.call('POST', '/profiles', { name: 'site' })).status, 201);
  const device = { mac: '001565aa0002', vendor: 'yealink', profiles: ['site'] };
  assert.equal((await left.running.call('POST', '/devices', device)).status, 201);
  await left.running.stop();
  left.running = undefined;
  for (let kill = Math.ceil(KILLS / 2) + 1; kill <= KILLS; kill += 1) {
    const afterMs = moment();
    await killWhileStarting(used, afterMs);
    const when = `kill ${kill} at ${afterMs.toFixed(0)} ms into a start on a used directory (seed ${SEED})`;
    assertStoreIntact(used, when);
    left.running = await startServer(used);
    await assertHealthy(left.running, `restart after ${when}`);
    const back = await left.running.get<{ profiles: string[] }>('/devices/001565aa0002');
    assert.deepEqual(back.profiles, ['site'], `${when}: the device is as it was`);
    await left.running.stop();
    left.running = undefined;
  }
  t.diagnostic(
    `a first start makes the store at ${storeMs.toFixed(0)} ms and is ready at ${readyMs.toFixed(0)} ms; ${seenStore} of ${Math.ceil(KILLS / 2)} first starts had made the store file when killed, ${journals} with a journal to roll back`,
  );
});
