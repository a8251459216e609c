import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';

import type { PhoneFetch, PhoneIdentity } from '../../../src/drivers/driver.ts';
import { gigasetDriver } from '../../../src/drivers/gigaset/index.ts';
import { phoneFetch } from '../../../src/simulate/fetch.ts';
import { startHarness, type Harness } from '../../support/harness.ts';
import { golden } from './helpers.ts';

const phone: PhoneIdentity = {
  mac: '7c2f80000001' as never,
  vendor: 'gigaset',
  model: 'Maxwell 3',
};
const PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n';

/** An in-memory server: URL → body, recording what was asked. */
function fakeServer(files: Record<string, string>): { fetch: PhoneFetch; asked: string[] } {
  const asked: string[] = [];
  const fetch: PhoneFetch = async (url) => {
    asked.push(url);
    const body = files[url];
    return body === undefined
      ? { status: 404, body: Buffer.alloc(0) }
      : { status: 200, body: Buffer.from(body, 'utf8') };
  };
  return { fetch, asked };
}

test('request order: <url> once, provisioning.xml with one retry, then <MAC>.xml', async () => {
  const server = fakeServer({
    'http://s/dev/7C2F80000001.xml': golden('7c2f80000001-single.xml'),
    'http://10.0.0.5/firmware/GC_MAX_2.22.7.bin': 'image',
  });
  const run = await gigasetDriver.phone.run(phone, 'http://s/dev', server.fetch);
  assert.deepEqual(server.asked, [
    'http://s/dev',
    'http://s/dev/provisioning.xml',
    'http://s/dev/provisioning.xml',
    'http://s/dev/7C2F80000001.xml',
    'http://10.0.0.5/firmware/GC_MAX_2.22.7.bin',
  ]);
  assert.equal(run.ok, true);
  // Provisioning 1.1: the firmware differs from the phone's, so the image is fetched too.
  assert.equal(run.settings['SIP.Account.0.Username'], '1001');
  assert.equal(run.memory?.['firmware/version'], '2.22.7');
});

test('%MACD, %MACC and %DVID are filled in by the phone', async () => {
  const server = fakeServer({});
  await gigasetDriver.phone.run(phone, 'http://s/%DVID/%MACD/%MACC', server.fetch);
  assert.equal(server.asked[0], 'http://s/82/1/7C2F80000001/7C:2F:80:00:00:01');
});

test('the seed 002 chain as the seed writes it: newest <file> taken, UVC stored, certificate installed', async () => {
  const base = 'http://my_server/maxwell3';
  const server = fakeServer({
    [`${base}/provisioning.xml`]: golden('seed-provisioning.xml').replace(
      'type="firmware" url="http://my_server/maxwell3/firmware/updates.xml"',
      'type="firmware" url="/maxwell3/firmware/updates.xml"',
    ),
    [`${base}/firmware/updates.xml`]: golden('seed-firmware-updates.xml'),
    [`${base}/firmware/v1/GC_mx_3.bin`]: 'image',
    [`${base}/nvm/updates.xml`]: golden('seed-nvm-updates.xml'),
    [`${base}/nvm/mx3_version1.xml`]: golden('seed-settings.raw.xml').replace(
      '7c:2f:80:00:00:00',
      '90:1b:0e:56:c7:bc',
    ),
    [`${base}/custom/updates.xml`]: golden('seed-scenario.xml'),
    'http://server.address.com/certificates/certificate.pem': PEM,
  });
  const seedPhone = { ...phone, mac: '901b0e56c7bc' as never };
  const first = await gigasetDriver.phone.run(seedPhone, base, server.fetch);
  assert.equal(first.ok, true, JSON.stringify(first.steps));
  assert.equal(first.memory?.['uvc/nvm'], '2015-02-02_02:02:02');
  assert.equal(first.memory?.['uvc/firmware'], '2015-01-01_01:01:01');
  assert.equal(first.memory?.['uvc/custom'], '2015-01-01_01:01:01');
  assert.equal(first.settings['SIP.Account.0.AuthName'], ' AuthName ');
  assert.equal(first.settings['SIP.Account.0.RegistrationServer.Address'], 'sip.registration.com');

  server.asked.length = 0;
  const second = await gigasetDriver.phone.run(seedPhone, base, server.fetch, first.memory);
  assert.equal(second.ok, true);
  assert.deepEqual(server.asked, [
    base,
    `${base}/provisioning.xml`,
    `${base}/firmware/updates.xml`,
    `${base}/nvm/updates.xml`,
    `${base}/custom/updates.xml`,
  ]);
  assert.deepEqual(second.settings, first.settings);
});

test('a file for another product or another phone is refused, and nothing is applied', async () => {
  const server = fakeServer({
    'http://s/provisioning.xml': golden('seed-provisioning.xml').replace('mx3b', 'zz99'),
  });
  const refused = await gigasetDriver.phone.run(phone, 'http://s/', server.fetch);
  assert.equal(refused.ok, false);
  assert.match(refused.steps.at(-1)!.note!, /productID "zz99"/);
  assert.deepEqual(refused.settings, {});

  const other = fakeServer({
    'http://s/provisioning.xml': golden('seed-provisioning.xml'),
    'http://my_server/maxwell3/nvm/updates.xml': golden('seed-nvm-updates.xml'),
  });
  const mine = await gigasetDriver.phone.run(phone, 'http://s/', other.fetch);
  assert.equal(mine.ok, false);
  assert.ok(
    mine.steps.some((s) => /macAddress 90:1b:0e:56:c7:bc is not this phone's/.test(s.note ?? '')),
  );
  assert.equal(mine.memory?.['uvc/nvm'], undefined);
});

// The same phone against the real pipeline behind a real HTTP door.
let harness: Harness;
let clock = new Date('2026-03-01T12:00:00Z');

before(async () => {
  harness = await startHarness([], () => clock);
  await harness.runtime.store.putFile(
    'certs/ca.pem',
    Readable.from([Buffer.from(PEM)]),
    'application/x-pem-file',
  );
  await harness.runtime.store.putFile(
    'firmware/GC_MAX_2.22.7.bin',
    Readable.from([Buffer.alloc(4096, 7)]),
    'application/octet-stream',
  );
  const added = await harness.api('POST', '/devices', {
    mac: '7c:2f:80:00:00:01',
    vendor: 'gigaset',
    model: 'Maxwell 3',
    settings: {
      'accounts.1.user': '1001',
      'accounts.1.password': 's3cret',
      'accounts.1.registrar': 'pbx.example.com',
      'accounts.2.user': '1002',
      'accounts.2.registrar': 'pbx.example.com',
      'firmware.url': `${harness.url}/firmware/GC_MAX_2.22.7.bin`,
      'resources.certificate': 'certs/ca.pem',
    },
  });
  assert.equal(added.status, 201, JSON.stringify(added.body));
});
after(async () => {
  await harness?.close();
});

function paths(asked: string[]): string[] {
  return asked.map((url) => url.replace(harness.url, ''));
}

function recording(): { fetch: PhoneFetch; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    fetch: (url, options) => {
      asked.push(url);
      return phoneFetch(url, options);
    },
  };
}

test('against the server: the whole chain, then again with nothing new, then one account changed', async () => {
  const url = `${harness.url}/gigaset/%MACD`;
  const first = recording();
  const run1 = await gigasetDriver.phone.run(phone, url, first.fetch);
  assert.equal(run1.ok, true, JSON.stringify(run1.steps, null, 1));
  const uvc = '2026-03-01_12-00-00';
  assert.deepEqual(paths(first.asked), [
    '/gigaset/7C2F80000001',
    '/gigaset/7c2f80000001/firmware/updates.xml',
    '/firmware/GC_MAX_2.22.7.bin',
    '/gigaset/7c2f80000001/nvm/updates.xml',
    `/gigaset/7c2f80000001/nvm/settings_${uvc}.xml`,
    '/gigaset/7c2f80000001/custom/updates.xml',
    '/gigaset/certs/ca.pem',
  ]);
  assert.equal(run1.settings['SIP.Account.0.Username'], '1001');
  assert.equal(run1.settings['SIP.Account.1.Username'], '1002');
  assert.equal(run1.memory?.['uvc/nvm'], '2026-03-01_12:00:00');

  // A minute later, nothing changed: the updates files are read, nothing else.
  clock = new Date('2026-03-01T12:01:00Z');
  const second = recording();
  const run2 = await gigasetDriver.phone.run(phone, url, second.fetch, run1.memory);
  assert.equal(run2.ok, true);
  assert.deepEqual(paths(second.asked), [
    '/gigaset/7C2F80000001',
    '/gigaset/7c2f80000001/firmware/updates.xml',
    '/gigaset/7c2f80000001/nvm/updates.xml',
    '/gigaset/7c2f80000001/custom/updates.xml',
  ]);
  assert.deepEqual(run2.memory, run1.memory);

  // One account changes: only the nvm chain is fetched again, under a new, later UVC.
  clock = new Date('2026-03-01T12:05:00Z');
  const patched = await harness.api('PATCH', '/devices/7c2f80000001', {
    settings: { 'accounts.2.user': '1003' },
  });
  assert.equal(patched.status, 200);
  const third = recording();
  const run3 = await gigasetDriver.phone.run(phone, url, third.fetch, run2.memory);
  assert.equal(run3.ok, true);
  assert.deepEqual(paths(third.asked), [
    '/gigaset/7C2F80000001',
    '/gigaset/7c2f80000001/firmware/updates.xml',
    '/gigaset/7c2f80000001/nvm/updates.xml',
    '/gigaset/7c2f80000001/nvm/settings_2026-03-01_12-05-00.xml',
    '/gigaset/7c2f80000001/custom/updates.xml',
  ]);
  assert.equal(run3.settings['SIP.Account.1.Username'], '1003');
  assert.equal(run3.memory?.['uvc/firmware'], run1.memory?.['uvc/firmware']);
  // The settings file of the old UVC is gone: its name never stands for other content.
  const stale = await fetch(`${harness.url}/gigaset/7c2f80000001/nvm/settings_${uvc}.xml`);
  assert.equal(stale.status, 404);
});

test('against the server: unknown phones, names that are no MAC and a foreign productID', async () => {
  await harness.runtime.recorder.flush();
  const before = (await harness.runtime.store.queryEvents({ limit: 10_000 })).length;
  const stranger = await gigasetDriver.phone.run(
    { ...phone, mac: '7c2f80000099' as never },
    `${harness.url}/gigaset/%MACD`,
    phoneFetch,
  );
  assert.equal(stranger.ok, false);
  assert.ok(stranger.steps.every((s) => s.status === 404));
  for (const path of [
    '/gigaset/%MACD',
    '/gigaset/%25MACD',
    '/gigaset/%MACD/provisioning.xml',
    '/gigaset/provisioning.xml',
  ]) {
    assert.equal((await fetch(`${harness.url}${path}`)).status, 404, path);
  }
  await harness.runtime.recorder.flush();
  const events = await harness.runtime.store.queryEvents({ limit: 10_000 });
  assert.equal(events.length - before, 4 + stranger.steps.length);

  await harness.api('PATCH', '/devices/7c2f80000001', {
    settings: { 'native.gigaset.productID': 'zz99' },
  });
  const foreign = await gigasetDriver.phone.run(phone, `${harness.url}/gigaset/%MACD`, phoneFetch);
  assert.equal(foreign.ok, false);
  assert.deepEqual(foreign.settings, {});
});

test('against the server: firmware from the catalogue, offered while the phone runs another version', async () => {
  await harness.runtime.store.putFirmware(
    {
      vendor: 'gigaset',
      model: 'Maxwell 3',
      version: '2.22.8',
      fileName: 'GC_MAX_2.22.8.bin',
      contentType: 'application/octet-stream',
    },
    Readable.from([Buffer.alloc(8192, 1)]),
  );
  const added = await harness.api('POST', '/devices', {
    mac: '7c:2f:80:00:00:02',
    vendor: 'gigaset',
    model: 'Maxwell 3',
    settings: { 'accounts.1.user': '1005', 'firmware.version': '2.22.8' },
  });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  const maxwell = { ...phone, mac: '7c2f80000002' as never, firmware: '2.22.7' };
  const asked = recording();
  const run = await gigasetDriver.phone.run(maxwell, `${harness.url}/gigaset/%MACD`, asked.fetch);
  assert.equal(run.ok, true, JSON.stringify(run.steps, null, 1));
  const image = paths(asked.asked).find((path) => path.endsWith('GC_MAX_2.22.8.bin'));
  assert.ok(image, paths(asked.asked).join('\n'));
  assert.match(run.memory?.['uvc/firmware'] ?? '', /^\d{4}-/);
  // Once the phone runs the target, the firmware category is no longer offered.
  const upgraded = recording();
  await gigasetDriver.phone.run(
    { ...maxwell, firmware: '2.22.8' },
    `${harness.url}/gigaset/%MACD`,
    upgraded.fetch,
    run.memory,
  );
  assert.ok(!paths(upgraded.asked).some((path) => path.includes('/firmware/')));
});
