import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { PnpContext, PnpSubscribe } from '../../../src/drivers/driver.ts';
import { gigasetDriver } from '../../../src/drivers/gigaset/index.ts';
import type { Mac } from '../../../src/model/mac.ts';
import { MAC, device } from './helpers.ts';

const STRANGER = 'aabbcc000001' as Mac;

function subscribe(overrides: Partial<PnpSubscribe> = {}): PnpSubscribe {
  return { mac: MAC, macForm: 'MAC%3a', ...overrides };
}

function context(overrides: Partial<PnpContext> = {}): PnpContext {
  return { vendor: 'gigaset', settings: {}, doors: {}, ...overrides };
}

test('claims by Event vendor, then a Maxwell model, then by MAC block; not by MAC%3a alone', () => {
  const claims = gigasetDriver.claimsPnp!;
  assert.deepEqual(claims(subscribe({ vendor: 'Gigaset', mac: STRANGER })), {
    vendor: 'gigaset',
    score: 100,
  });
  assert.deepEqual(claims(subscribe({ model: 'Maxwell 3', mac: STRANGER })), {
    vendor: 'gigaset',
    score: 90,
  });
  assert.deepEqual(claims(subscribe()), { vendor: 'gigaset', score: 60 });
  assert.deepEqual(claims(subscribe({ mac: '0001e3123456' as Mac, macForm: 'MAC' })), {
    vendor: 'gigaset',
    score: 60,
  });
  // Snom writes MAC%3a too: the form alone claims nothing.
  assert.equal(claims(subscribe({ mac: STRANGER, vendor: 'snom', model: 'D785' })), undefined);
});

test('the URL: the provisioning URL (option 114) with %MACD filled from the SUBSCRIBE', () => {
  const url = gigasetDriver.plugAndPlayUrl!;
  const doors = { http: 'http://10.0.0.5:8080', tftp: 'tftp://10.0.0.5' };
  assert.equal(gigasetDriver.provisioningUrl!(doors), 'http://10.0.0.5:8080/gigaset/%MACD');
  assert.equal(
    url(subscribe(), context({ device: device({}), doors })),
    'http://10.0.0.5:8080/gigaset/7C2F80000001',
  );
  assert.equal(url(subscribe(), context({ doors })), 'http://10.0.0.5:8080/gigaset/7C2F80000001');
  assert.equal(
    url(subscribe(), context({ doors: { ...doors, https: 'https://prov.example.com/p/' } })),
    'https://prov.example.com/p/gigaset/7C2F80000001',
  );
  // Maxwells fetch over HTTP(S) only.
  assert.equal(url(subscribe(), context({ doors: { tftp: 'tftp://10.0.0.5' } })), undefined);
});

test('check-sync; reboot=true only when asked (many models ignore it)', () => {
  assert.equal(gigasetDriver.checkSync!(device({}), { reboot: false }), 'check-sync');
  assert.equal(gigasetDriver.checkSync!(device({}), { reboot: true }), 'check-sync;reboot=true');
});

test("the phone's SUBSCRIBE: MAC%3a<hex>, Gigaset, its Maxwell and firmware", () => {
  assert.deepEqual(gigasetDriver.phone.plugAndPlay!({ mac: MAC, vendor: 'gigaset' }), {
    user: 'MAC%3a7c2f80000001',
    vendor: 'Gigaset',
    model: 'Maxwell 3',
    version: '2.22.7',
  });
  assert.equal(
    gigasetDriver.phone.plugAndPlay!({ mac: MAC, vendor: 'gigaset', model: 'maxwell4' }).model,
    'Maxwell 4',
  );
});
