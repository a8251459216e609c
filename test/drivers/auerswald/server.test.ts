import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { PhoneFetch, PhoneIdentity } from '../../../src/drivers/driver.ts';
import { auerswaldDriver } from '../../../src/drivers/auerswald/index.ts';
import type { Mac } from '../../../src/model/mac.ts';
import { phoneFetch } from '../../../src/simulate/fetch.ts';
import { startHarness, type Harness } from '../../support/harness.ts';

// The phone against the real pipeline behind a real HTTP door.
const phone: PhoneIdentity = {
  mac: '00095200000e' as Mac,
  vendor: 'auerswald',
  model: 'D100',
  serial: '123412341234',
};
let harness: Harness;

before(async () => {
  harness = await startHarness();
  const office = await harness.api('POST', '/profiles', {
    name: 'office',
    settings: {
      'accounts.2.user': '2002',
      'accounts.2.password': 'shared',
      'accounts.2.registrar': 'pbx.example.com',
      'native.auerswald.telephony/callWaiting/active': 'true',
    },
  });
  assert.equal(office.status, 201, JSON.stringify(office.body));
  const added = await harness.api('POST', '/devices', {
    mac: '00:09:52:00:00:0E',
    vendor: 'auerswald',
    profiles: ['office'],
    settings: {
      'accounts.1.user': '1001',
      'accounts.1.password': 's3cret',
      'accounts.1.registrar': 'pbx.example.com',
    },
  });
  assert.equal(added.status, 201, JSON.stringify(added.body));
});
after(async () => {
  await harness?.close();
});

function recording(): { fetch: PhoneFetch; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    fetch: (url, options) => {
      asked.push(url.replace(harness.url, ''));
      return phoneFetch(url, options);
    },
  };
}

test('the phone loads common, its own settings and operations; what a profile stops setting goes', async () => {
  const url = `${harness.url}/auerswald/{mac}.xml?sn={serial}&hw={type}`;
  const first = recording();
  const run1 = await auerswaldDriver.phone.run(phone, url, first.fetch);
  assert.equal(run1.ok, true, JSON.stringify(run1.steps, null, 1));
  assert.deepEqual(first.asked, [
    '/auerswald/00095200000E.xml?sn=123412341234&hw=D100',
    '/auerswald/auerswald-common.xml',
    '/auerswald/00095200000E/settings.xml?sn=123412341234&hw=D100',
    '/auerswald/00095200000E/operations.xml',
  ]);
  assert.equal(run1.settings['identities/identity[1]/username'], '1001');
  assert.equal(run1.settings['identities/identity[2]/username'], '2002');
  assert.equal(run1.settings['identities/identity[2]/active'], 'true');
  assert.equal(run1.settings['telephony/callWaiting/active'], 'true');

  const dropped = await harness.api('PATCH', '/profiles/office', {
    unset: ['accounts.2.user', 'accounts.2.password', 'accounts.2.registrar'],
  });
  assert.equal(dropped.status, 200, JSON.stringify(dropped.body));
  const run2 = await auerswaldDriver.phone.run(phone, url, phoneFetch, run1.memory);
  assert.equal(run2.ok, true, JSON.stringify(run2.steps, null, 1));
  assert.equal(run2.settings['identities/identity[1]/username'], '1001');
  assert.equal(run2.settings['identities/identity[2]/username'], undefined);
  assert.equal(run2.settings['identities/identity[2]/active'], 'false');
  assert.equal(run2.settings['telephony/callWaiting/active'], 'true');
});

test('the serial the phone reported is recorded, and names the phone when its MAC is absent', async () => {
  await harness.runtime.recorder.flush();
  const device = await harness.runtime.store.getDevice(phone.mac);
  assert.equal(device?.reported?.serial, '123412341234');
  assert.equal(device?.reported?.model, 'D100');
  const bySerial = await fetch(`${harness.url}/prov/prov.py?sn=123412341234`);
  assert.equal(bySerial.status, 200);
  assert.match(await bySerial.text(), /<referencedSettings/);
  assert.equal((await fetch(`${harness.url}/prov/prov.py?sn=999999999999`)).status, 404);
});

test('unknown phones and unreplaced markers get the not-found answer, one event each', async () => {
  await harness.runtime.recorder.flush();
  const before = (await harness.runtime.store.queryEvents({ limit: 10_000 })).length;
  const paths = [
    '/auerswald/00095200FFFF.xml',
    '/auerswald/<MACADR>.xml',
    '/auerswald/%7Bmac%7D.xml?sn=%7Bserial%7D',
    '/auerswald/00095200FFFF/settings.xml',
    '/prov.py?mac=<MACADR>',
  ];
  for (const path of paths) assert.equal((await fetch(`${harness.url}${path}`)).status, 404, path);
  await harness.runtime.recorder.flush();
  const events = await harness.runtime.store.queryEvents({ limit: 10_000 });
  assert.equal(events.length - before, paths.length);
});
