import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';

import type { PhoneFetch, PhoneIdentity } from '../../../src/drivers/driver.ts';
import { yealinkDriver } from '../../../src/drivers/yealink/index.ts';
import type { Mac } from '../../../src/model/mac.ts';
import { phoneFetch } from '../../../src/simulate/fetch.ts';
import { startHarness, type Harness } from '../../support/harness.ts';

// A W60B base and a T54W desk phone against the real pipeline behind a real HTTP door.
const BASE_MAC = '805ec0000077' as Mac;
const DESK_MAC = '00156574b150' as Mac;
const base: PhoneIdentity = {
  mac: BASE_MAC,
  vendor: 'yealink',
  model: 'W60B',
  firmware: '77.83.0.10',
};
const desk: PhoneIdentity = {
  mac: DESK_MAC,
  vendor: 'yealink',
  model: 'T54W',
  firmware: '96.86.0.70',
};
const HANDSET_IMAGE = Buffer.alloc(2048, 7);
let h: Harness;

before(async () => {
  h = await startHarness();
  for (const [model, version, fileName, bytes] of [
    ['W60B', '77.85.0.25', 'W60B-77.85.0.25.rom', Buffer.from('BASE-IMAGE')],
    ['W56H', '61.87.0.5', 'W56H-61.87.0.5.rom', HANDSET_IMAGE],
  ] as const) {
    await h.runtime.store.putFirmware(
      { vendor: 'yealink', model, version, fileName, contentType: 'application/octet-stream' },
      Readable.from([bytes]),
    );
  }
  const added = await h.api('POST', '/devices', {
    mac: BASE_MAC,
    vendor: 'yealink',
    model: 'W60B',
    settings: {
      'accounts.1.user': '2001',
      'accounts.1.password': 'pw-2001',
      'accounts.1.registrar': 'pbx.example.com',
      'handsets.1.name': 'Reception',
      'handsets.1.accounts': '1',
      'firmware.version': '77.85.0.25',
      'firmware.accessories': 'W56H=61.87.0.5',
    },
  });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  const deskAdded = await h.api('POST', '/devices', {
    mac: DESK_MAC,
    vendor: 'yealink',
    model: 'T54W',
    settings: { 'accounts.1.user': '1001', 'provisioning.uploads': 'store' },
  });
  assert.equal(deskAdded.status, 201, JSON.stringify(deskAdded.body));
});
after(async () => h?.close());

function recording(): { fetch: PhoneFetch; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    fetch: (url, options) => {
      asked.push(`${options?.upload ? 'PUT ' : ''}${url.replace(h.url, '')}`);
      return phoneFetch(url, options);
    },
  };
}

test('a W60B base boots: its model file, its MAC file, its own image and its handset image over the air', async () => {
  const phone = recording();
  const run = await yealinkDriver.phone.run(base, `${h.url}/`, phone.fetch);
  assert.equal(run.ok, true, JSON.stringify(run.steps, null, 1));
  assert.deepEqual(phone.asked, [
    '/805ec0000077.boot',
    '/y000000000077.cfg',
    '/805ec0000077.cfg',
    '/firmware/yealink/W60B/77.85.0.25/W60B-77.85.0.25.rom',
    '/firmware/yealink/W56H/61.87.0.5/W56H-61.87.0.5.rom',
  ]);
  assert.equal(run.settings['handset.1.name'], 'Reception');
  assert.equal(run.settings['handset.1.incoming_lines'], '1');
  assert.equal(run.settings['account.1.sip_server.1.address'], 'pbx.example.com');
  assert.equal(
    run.memory?.['firmware.w56h'],
    `${h.url}/firmware/yealink/W56H/61.87.0.5/W56H-61.87.0.5.rom`,
  );
  // A handset image asked for by its own name at the root is the catalogue's, for this base.
  const byName = await fetch(`${h.url}/W56H-61.87.0.5.rom`, {
    headers: { 'user-agent': yealinkDriver.phone.userAgent(base) },
  });
  assert.equal(byName.status, 200);
  assert.deepEqual(Buffer.from(await byName.arrayBuffer()), HANDSET_IMAGE);

  // Once the base runs the target, its own image is no longer offered; the handsets' still is.
  const upgraded = await yealinkDriver.phone.run(
    { ...base, firmware: '77.85.0.25' },
    `${h.url}/`,
    recording().fetch,
  );
  assert.equal(upgraded.settings['static.firmware.url'], undefined);
  assert.match(upgraded.settings['over_the_air.url.w56h'] ?? '', /W56H-61\.87\.0\.5\.rom$/);
});

test('a desk phone with provisioning.uploads=store sends its local files; they are kept and served back', async () => {
  const first = recording();
  const run = await yealinkDriver.phone.run(desk, `${h.url}/prov/`, first.fetch, {
    'local.cfg': '#!version:1.0.0.1\nlinekey.1.label=Mine\n',
  });
  assert.equal(run.ok, true, JSON.stringify(run.steps, null, 1));
  assert.deepEqual(first.asked.slice(-4), [
    '/prov/00156574b150-local.cfg',
    'PUT /prov/00156574b150-local.cfg',
    '/prov/00156574b150-contact.xml',
    'PUT /prov/00156574b150-contact.xml',
  ]);
  const puts = run.steps.filter((s) => s.note === 'uploaded');
  assert.equal(puts.length, 2, JSON.stringify(run.steps, null, 1));
  const kept = await h.runtime.store.openFile('uploads/00156574b150/00156574b150-local.cfg');
  assert.equal(kept?.size, Buffer.byteLength('#!version:1.0.0.1\nlinekey.1.label=Mine\n'));

  const again = recording();
  const second = await yealinkDriver.phone.run(desk, `${h.url}/prov/`, again.fetch, run.memory);
  assert.ok(!again.asked.some((a) => a.startsWith('PUT ')), again.asked.join(' '));
  assert.equal(second.settings['linekey.1.label'], 'Mine');
});

test("uploads: another phone's name, an unknown MAC and a file the phone only reads are refused", async () => {
  const put = async (path: string): Promise<number> =>
    (await fetch(`${h.url}${path}`, { method: 'PUT', body: 'x=1\n' })).status;
  assert.equal(await put('/001565000999-local.cfg'), 404);
  assert.equal(await put('/00156574b150.cfg'), 405);
  // The base keeps nothing it sends: its uploads setting is unset, so they are answered and dropped.
  assert.equal(await put('/805ec0000077-local.cfg'), 204);
  assert.equal(
    await h.runtime.store.openFile('uploads/805ec0000077/805ec0000077-local.cfg'),
    undefined,
  );
});
