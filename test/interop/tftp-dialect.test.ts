// A Yealink phone over TFTP sends no User-Agent: after its own <mac>.boot, the common file it
// asks for from the same address must be in Yealink's keys, not Flyingvoice's. tftp-hpa is the
// phone's client; the TFTP door and the pipeline are the server's own.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { addDevices } from '../../src/management/devices.ts';
import { patchProfile } from '../../src/management/profiles.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import { startTftpDoor, type TftpDoor } from '../../src/transports/tftp/server.ts';
import { tempDir } from '../support/harness.ts';
import { requirePeer } from '../support/peer.ts';

const YEALINK_MAC = '001565aabb01';
let clock = Date.parse('2025-07-15T12:00:00Z');
let runtime: Runtime;
let door: TftpDoor;
let dataDir: string;
let dir: string;

before(async () => {
  dataDir = tempDir();
  runtime = await openRuntime({ dataDir, now: () => new Date(clock) });
  await addDevices(
    runtime.store,
    [{ mac: YEALINK_MAC, vendor: 'yealink', settings: { 'accounts.1.user': '1001' } }],
    new Date(clock),
  );
  await patchProfile(
    runtime.store,
    'default',
    { settings: { 'time.timezone': 'Europe/Berlin' } },
    new Date(clock),
  );
  door = await startTftpDoor({ provisioner: runtime.pipeline, host: '127.0.0.1', port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'plugndial-tftp-dialect-'));
});

after(async () => {
  await door?.close();
  await runtime?.close();
  await rm(dir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

let fetched = 0;
/** One file through tftp-hpa, as the phone asks for it. */
function tftpGet(remote: string): Promise<string> {
  const local = join(dir, `${fetched++}-${remote}`);
  return new Promise((resolve, reject) => {
    execFile(
      'tftp',
      ['127.0.0.1', String(door.address.port), '-m', 'binary', '-c', 'get', remote, local],
      { timeout: 30_000 },
      (error, _stdout, stderr) => {
        if (error) return reject(new Error(`tftp get ${remote}: ${error.message} ${stderr}`));
        readFile(local, 'utf8').then(resolve, reject);
      },
    );
  });
}

const YEALINK_KEYS = /^local_time\.time_zone_name=Germany\(Berlin\)$/m;
const FLYINGVOICE_KEYS = /^local_time\.dst_time_type=1$/m;

test('TFTP: the Yealink phone that fetched its <mac>.boot gets the common file in Yealink keys', async (t) => {
  if (!requirePeer(t, 'tftp', 'tftp-hpa')) return;
  // A phone nobody can tell apart gets the driver's default dialect.
  const stranger = await tftpGet('y000000000000.cfg');
  assert.match(stranger, FLYINGVOICE_KEYS);
  assert.doesNotMatch(stranger, /^static\./m);

  const boot = await tftpGet(`${YEALINK_MAC}.boot`);
  assert.match(boot, /y000000000000\.cfg/);
  const common = await tftpGet('y000000000000.cfg');
  assert.match(common, YEALINK_KEYS);
  assert.match(common, /^static\.auto_provision\.repeat\.enable=1$/m);
  assert.doesNotMatch(common, FLYINGVOICE_KEYS);
  assert.match(await tftpGet(`${YEALINK_MAC}.cfg`), /^account\.1\.user_name=1001$/m);

  // Moments, not forever: after the window the address is a stranger again.
  clock += 61_000;
  assert.match(await tftpGet('y000000000000.cfg'), FLYINGVOICE_KEYS);
});

test('TFTP: provisioning.common_dialect on the default profile chooses what strangers get', async (t) => {
  if (!requirePeer(t, 'tftp', 'tftp-hpa')) return;
  clock += 61_000;
  await patchProfile(
    runtime.store,
    'default',
    { settings: { 'provisioning.common_dialect': 'yealink' } },
    new Date(clock),
  );
  assert.match(await tftpGet('y000000000000.cfg'), YEALINK_KEYS);
  await patchProfile(
    runtime.store,
    'default',
    { unset: ['provisioning.common_dialect'] },
    new Date(clock),
  );
  assert.match(await tftpGet('y000000000000.cfg'), FLYINGVOICE_KEYS);
});

test('provisioning.common_dialect must name a vendor', async () => {
  await assert.rejects(
    patchProfile(
      runtime.store,
      'default',
      { settings: { 'provisioning.common_dialect': 'yelink' } },
      new Date(clock),
    ),
    /provisioning\.common_dialect: "yelink" is no vendor; known: .*yealink/,
  );
});

test("TFTP: a stranger asking for a Yealink model's own file (y000000000066.cfg, the T46S) gets Yealink keys", async (t) => {
  if (!requirePeer(t, 'tftp', 'tftp-hpa')) return;
  clock += 61_000;
  // Only Yealink's models have these numbers: the name says the dialect, as a User-Agent would.
  const model = await tftpGet('y000000000066.cfg');
  assert.match(model, YEALINK_KEYS);
  assert.doesNotMatch(model, FLYINGVOICE_KEYS);
  // The common file names no model: that stranger is still told apart by nothing.
  clock += 61_000;
  assert.match(await tftpGet('y000000000000.cfg'), FLYINGVOICE_KEYS);
});
