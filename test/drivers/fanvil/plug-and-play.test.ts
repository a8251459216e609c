import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { PnpContext, PnpSubscribe } from '../../../src/drivers/driver.ts';
import { fanvilDriver } from '../../../src/drivers/fanvil/index.ts';
import { yealinkDriver } from '../../../src/drivers/yealink/index.ts';
import type { Mac } from '../../../src/model/mac.ts';
import { MAC, device } from './helpers.ts';

const STRANGER = 'aabbcc000001' as Mac;

function subscribe(overrides: Partial<PnpSubscribe> = {}): PnpSubscribe {
  return { mac: MAC, macForm: 'MAC=', ...overrides };
}

function context(overrides: Partial<PnpContext> = {}): PnpContext {
  return { vendor: 'fanvil', settings: {}, doors: {}, ...overrides };
}

test('claims by Event vendor (seed 004 OEM too), then by MAC block, then by the MAC= form', () => {
  const claims = fanvilDriver.claimsPnp!;
  assert.deepEqual(claims(subscribe({ vendor: 'Fanvil', mac: STRANGER, macForm: 'MAC' })), {
    vendor: 'fanvil',
    score: 100,
  });
  // Seed 004's own PnP scenario: vendor="lishuai";model="VOIP PHONE ".
  assert.deepEqual(claims(subscribe({ vendor: 'lishuai', model: 'VOIP PHONE', mac: STRANGER })), {
    vendor: 'fanvil',
    score: 90,
  });
  for (const mac of ['0c383e07e16c', '00a859123456', '000307aabbcc']) {
    assert.deepEqual(claims(subscribe({ mac: mac as Mac, macForm: 'MAC%3a' })), {
      vendor: 'fanvil',
      score: 60,
    });
  }
  assert.deepEqual(claims(subscribe({ mac: STRANGER })), { vendor: 'fanvil', score: 10 });
  assert.equal(claims(subscribe({ mac: STRANGER, macForm: 'MAC' })), undefined);
  // A Yealink in a Fanvil-looking form still goes to Yealink: its Event outscores the form.
  const yealink = subscribe({ vendor: 'Yealink', mac: STRANGER });
  assert.ok(yealinkDriver.claimsPnp!(yealink)!.score > claims(yealink)!.score);
});

test('the URL: the provisioning directory ending in /, HTTPS, else HTTP, else TFTP', () => {
  const url = fanvilDriver.plugAndPlayUrl!;
  const known = context({ device: device({}) });
  const doors = { http: 'http://172.16.7.87:5000', tftp: 'tftp://172.16.7.87' };
  assert.equal(url(subscribe(), { ...known, doors }), 'http://172.16.7.87:5000/');
  assert.equal(url(subscribe(), context({ doors })), 'http://172.16.7.87:5000/');
  assert.equal(
    url(subscribe(), context({ doors: { ...doors, https: 'https://prov.example.com/fanvil/' } })),
    'https://prov.example.com/fanvil/',
  );
  assert.equal(
    url(subscribe(), context({ doors: { tftp: 'tftp://172.16.7.87' } })),
    'tftp://172.16.7.87/',
  );
  assert.equal(url(subscribe(), context()), undefined);
});

test('check-sync with reboot=false or reboot=true, always written out', () => {
  assert.equal(fanvilDriver.checkSync!(device({}), { reboot: false }), 'check-sync;reboot=false');
  assert.equal(fanvilDriver.checkSync!(device({}), { reboot: true }), 'check-sync;reboot=true');
});

test("the phone's SUBSCRIBE: MAC=<hex>, Fanvil, its model and firmware", () => {
  assert.deepEqual(fanvilDriver.phone.plugAndPlay!({ mac: MAC, vendor: 'fanvil' }), {
    user: 'MAC=0c383e07e16c',
    vendor: 'Fanvil',
    model: 'X4',
    version: '2.10.2.6887',
  });
  assert.equal(
    fanvilDriver.phone.plugAndPlay!({ mac: MAC, vendor: 'fanvil', model: 'X7' }).model,
    'X7',
  );
});
