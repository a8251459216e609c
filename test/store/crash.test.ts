import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { tempDir } from '../support/harness.ts';
import { ApiWrites } from './crash/api-writes.ts';
import { CsvImport } from './crash/csv-import.ts';
import { EventRecording } from './crash/event-recording.ts';
import { FirmwareUpload } from './crash/firmware-upload.ts';
import {
  abandonedUploads,
  assertHealthy,
  assertNoErrorLogged,
  assertStoreIntact,
  random,
  shuffled,
  startServer,
  type ServerUnderTest,
} from './crash/support.ts';
import type { CrashWork } from './crash/work.ts';

// A real server SIGKILLed again and again on one data directory, each time under one kind of
// work: API writes, a CSV import, a firmware upload, phones fetching (event recording). After
// each kill the database file passes SQLite's integrity check; after each restart the server
// is healthy and every change it ever answered 2xx is there, nothing half made (see each
// kind's file in crash/). The kinds and the kill moments come from one seed, so a failure can
// be replayed: PLUGNDIAL_CRASH_SEED=<seed> PLUGNDIAL_CRASH_KILLS=<kills>. CI's long run sets
// PLUGNDIAL_CRASH_KILLS=50 (.ci/run).
const KILLS = Number(process.env['PLUGNDIAL_CRASH_KILLS'] ?? 10);
const SEED = Number(process.env['PLUGNDIAL_CRASH_SEED'] ?? 0x5eed);

const dirs: string[] = [];
let running: ServerUnderTest | undefined;
after(async () => {
  await running?.kill();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test(`${KILLS} SIGKILLs under API writes, CSV import, firmware upload and event recording lose no answered change`, async (t) => {
  assert.ok(
    Number.isSafeInteger(KILLS) && KILLS > 0 && KILLS <= 256,
    'PLUGNDIAL_CRASH_KILLS: 1–256',
  );
  const dataDir = join(tempDir('pnd-crash-'), 'data');
  dirs.push(dataDir);
  const next = random(SEED);
  const firmware = new FirmwareUpload();
  const works: CrashWork[] = [
    new ApiWrites(),
    new CsvImport(),
    firmware,
    new EventRecording(firmware),
  ];
  running = await startServer(dataDir);
  await firmware.prepare(running);
  // Every kind in each run of four kills, in an order drawn from the seed: ten kills try each
  // kind at least twice.
  let turn: CrashWork[] = [];
  for (let kill = 1; kill <= KILLS; kill += 1) {
    if (turn.length === 0) turn = shuffled(works, next);
    const work = turn.shift()!;
    const killed = `kill ${kill} of ${KILLS} (${work.kind}, seed ${SEED})`;
    await work.crash(running, next, kill);
    assertNoErrorLogged(running, `before ${killed}`);
    assertStoreIntact(dataDir, `after ${killed}`);
    running = await startServer(dataDir);
    const when = `restart after ${killed}`;
    await assertHealthy(running, when);
    for (const each of works) await each.verify(running, when);
  }
  for (const each of works) await each.verify(running, 'the last restart', true);
  await running.stop();
  assertNoErrorLogged(running, 'the last run');
  running = undefined;
  assertStoreIntact(dataDir, 'after the last stop');
  assert.equal(abandonedUploads(dataDir), 0, 'a start removes what cut uploads left');
  for (const each of works) {
    t.diagnostic(`${each.kind}: ${each.summary()}`);
    assert.ok(
      each.meaningful(),
      `${each.kind}: too little happened to judge it: ${each.summary()}`,
    );
  }
});
