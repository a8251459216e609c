import assert from 'node:assert/strict';
import { test } from 'node:test';

import { auerswaldDriver } from '../../../src/drivers/auerswald/index.ts';
import type { PnpContext, PnpSubscribe } from '../../../src/drivers/driver.ts';
import type { Device } from '../../../src/model/device.ts';
import type { Mac } from '../../../src/model/mac.ts';
import { MAC } from './helpers.ts';

const STRANGER = 'aabbcc000001' as Mac;
const DEVICE: Device = {
  mac: MAC,
  vendor: 'auerswald',
  model: 'D200',
  profiles: [],
  settings: {},
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
};

function subscribe(overrides: Partial<PnpSubscribe> = {}): PnpSubscribe {
  return { mac: MAC, macForm: 'MAC%3A', ...overrides };
}

function context(overrides: Partial<PnpContext> = {}): PnpContext {
  return { vendor: 'auerswald', settings: {}, doors: {}, ...overrides };
}

test('claims by Event vendor, then a COMfortel model, then by MAC block; not a bare D200', () => {
  const claims = auerswaldDriver.claimsPnp!;
  for (const vendor of ['Auerswald', 'FonTevo']) {
    assert.deepEqual(claims(subscribe({ vendor, mac: STRANGER })), {
      vendor: 'auerswald',
      score: 100,
    });
  }
  assert.deepEqual(claims(subscribe({ model: 'COMfortel D400', mac: STRANGER })), {
    vendor: 'auerswald',
    score: 90,
  });
  assert.deepEqual(claims(subscribe()), { vendor: 'auerswald', score: 60 });
  assert.equal(claims(subscribe({ model: 'D200', mac: STRANGER })), undefined);
  assert.equal(claims(subscribe({ mac: STRANGER })), undefined);
});

test('the URL: the provisioning URL with its markers for the phone to fill', () => {
  const url = auerswaldDriver.plugAndPlayUrl!;
  const doors = { http: 'http://10.0.0.5:8080', tftp: 'tftp://10.0.0.5' };
  const expected = 'http://10.0.0.5:8080/auerswald/{mac}.xml?sn={serial}&hw={type}';
  assert.equal(url(subscribe(), context({ device: DEVICE, doors })), expected);
  assert.equal(url(subscribe(), context({ doors })), expected);
  assert.equal(auerswaldDriver.provisioningUrl!(doors), expected);
  assert.equal(url(subscribe(), context({ doors: { tftp: 'tftp://10.0.0.5' } })), undefined);
});

test('always a plain check-sync: provisioning never restarts the phone (seed 003)', () => {
  assert.equal(auerswaldDriver.checkSync!(DEVICE, { reboot: false }), 'check-sync');
  assert.equal(auerswaldDriver.checkSync!(DEVICE, { reboot: true }), 'check-sync');
});

test("the phone's SUBSCRIBE: MAC%3A<HEX>, Auerswald, COMfortel and its type", () => {
  assert.deepEqual(auerswaldDriver.phone.plugAndPlay!({ mac: MAC, vendor: 'auerswald' }), {
    user: 'MAC%3A00095200000E',
    vendor: 'Auerswald',
    model: 'COMfortel D200',
    version: '2.8A',
  });
});
