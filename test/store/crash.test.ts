import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { tempDir } from '../support/harness.ts';
import { startPostgres, withPostgres } from '../support/postgres.ts';
import { ApiWrites } from './crash/api-writes.ts';
import { CsvImport } from './crash/csv-import.ts';
import { EventRecording } from './crash/event-recording.ts';
import { FirmwareUpload } from './crash/firmware-upload.ts';
import {
  assertHealthy,
  assertNoErrorLogged,
  embeddedStore,
  postgresStore,
  random,
  shuffled,
  KILLS,
  leftBehind,
  SEED,
  startServer,
  type CrashStore,
} from './crash/support.ts';
import type { CrashWork } from './crash/work.ts';

// A real server SIGKILLed again and again on one store, each time under one kind of work: API
// writes, a CSV import, a firmware upload, phones fetching (event recording). After each kill
// the embedded store's file passes SQLite's integrity check; after each restart the server is
// healthy and every change it ever answered 2xx is there, nothing half made (see each kind's
// file in crash/). The same on a node of a shared PostgreSQL database: the node is killed,
// not the database, so it is what the node answered and left half made that is checked. The
// kinds and the kill moments come from one seed, so a failure can be replayed:
// PLUGNDIAL_CRASH_SEED=<seed> PLUGNDIAL_CRASH_KILLS=<kills>. CI's long run sets
// PLUGNDIAL_CRASH_KILLS=50 (.ci/run).
const left = leftBehind();

assert.ok(Number.isSafeInteger(KILLS) && KILLS > 0 && KILLS <= 256, 'PLUGNDIAL_CRASH_KILLS: 1–256');

async function crashRun(t: TestContext, dataDir: string, store: CrashStore): Promise<void> {
  const next = random(SEED);
  const firmware = new FirmwareUpload();
  const works: CrashWork[] = [
    new ApiWrites(),
    new CsvImport(),
    firmware,
    new EventRecording(firmware),
  ];
  left.running = await startServer(dataDir, store);
  await firmware.prepare(left.running);
  // Every kind in each run of four kills, in an order drawn from the seed: ten kills try each
  // kind at least twice.
  let turn: CrashWork[] = [];
  for (let kill = 1; kill <= KILLS; kill += 1) {
    if (turn.length === 0) turn = shuffled(works, next);
    const work = turn.shift()!;
    const killed = `kill ${kill} of ${KILLS} (${work.kind}, ${store.name}, seed ${SEED})`;
    await work.crash(left.running, next, kill);
    assertNoErrorLogged(left.running, `before ${killed}`);
    store.assertIntact?.(`after ${killed}`);
    left.running = await startServer(dataDir, store);
    const when = `restart after ${killed}`;
    await assertHealthy(left.running, when);
    for (const each of works) await each.verify(left.running, when);
  }
  for (const each of works) await each.verify(left.running, 'the last restart', true);
  await left.running.stop();
  assertNoErrorLogged(left.running, 'the last run');
  left.running = undefined;
  store.assertIntact?.('after the last stop');
  const abandoned = await store.abandonedUploads();
  if (store.sweptAtStart) assert.equal(abandoned, 0, 'a start removes what cut uploads left');
  else t.diagnostic(`${abandoned} cut uploads wait for the sweep of those over a day old`);
  for (const each of works) {
    t.diagnostic(`${each.kind}: ${each.summary()}`);
    assert.ok(
      each.meaningful(),
      `${each.kind}: too little happened to judge it: ${each.summary()}`,
    );
  }
}

test(`${KILLS} SIGKILLs under API writes, CSV import, firmware upload and event recording lose no answered change`, async (t) => {
  const dataDir = join(tempDir('pnd-crash-'), 'data');
  left.dirs.push(dataDir);
  await crashRun(t, dataDir, embeddedStore(dataDir));
});

await withPostgres('crash safety of a node', () => {
  test(`${KILLS} SIGKILLs of a node of a shared PostgreSQL database lose no answered change`, async (t) => {
    const postgres = await startPostgres();
    try {
      const dataDir = join(tempDir('pnd-crash-pg-'), 'data');
      left.dirs.push(dataDir);
      await crashRun(t, dataDir, postgresStore(postgres.url));
    } finally {
      await left.running?.kill();
      left.running = undefined;
      await postgres.stop();
    }
  });
});
