import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { PnpContext, PnpSubscribe } from '../../../src/drivers/driver.ts';
import { oemDriver } from '../../../src/drivers/oem/index.ts';
import { CLASS, MAC, device } from './helpers.ts';

function subscribe(overrides: Partial<PnpSubscribe> = {}): PnpSubscribe {
  return { mac: MAC, macForm: 'MAC:', ...overrides };
}

function context(overrides: Partial<PnpContext> = {}): PnpContext {
  return { vendor: 'oem', settings: {}, doors: {}, ...overrides };
}

test('claims by Plug-n-Dial in Event or User-Agent, weakly by an APS class as model', () => {
  const claims = oemDriver.claimsPnp!;
  assert.deepEqual(claims(subscribe({ vendor: 'Plug-n-Dial' })), { vendor: 'oem', score: 100 });
  assert.deepEqual(
    claims(subscribe({ vendor: 'leadtek', userAgent: `Plug-n-Dial ${CLASS} 1.0 ${MAC}` })),
    { vendor: 'oem', score: 90 },
  );
  assert.deepEqual(claims(subscribe({ vendor: 'leadtek', model: CLASS })), {
    vendor: 'oem',
    score: 50,
  });
  // No MAC block is known: a MAC alone claims nothing.
  assert.equal(claims(subscribe()), undefined);
  assert.equal(claims(subscribe({ vendor: 'leadtek', model: 'LR8051S' })), undefined);
});

test('the URL: the APS server ending in /, HTTPS first (seed 000), then HTTP, then TFTP', () => {
  const url = oemDriver.plugAndPlayUrl!;
  const doors = { http: 'http://10.0.0.5:8080', tftp: 'tftp://10.0.0.5' };
  assert.equal(url(subscribe(), context({ device: device({}), doors })), 'http://10.0.0.5:8080/');
  assert.equal(
    url(subscribe(), context({ doors: { ...doors, https: 'https://aps.example.com' } })),
    'https://aps.example.com/',
  );
  assert.equal(
    url(subscribe(), context({ doors: { tftp: 'tftp://10.0.0.5' } })),
    'tftp://10.0.0.5/',
  );
  assert.equal(url(subscribe(), context()), undefined);
});

test('check-sync, with reboot=true when asked', () => {
  assert.equal(oemDriver.checkSync!(device({}), { reboot: false }), 'check-sync');
  assert.equal(oemDriver.checkSync!(device({}), { reboot: true }), 'check-sync;reboot=true');
});

test("the device's SUBSCRIBE: MAC:<hex>, its make, its APS class", () => {
  assert.deepEqual(oemDriver.phone.plugAndPlay!({ mac: MAC, vendor: 'oem' }), {
    user: 'MAC:00908f0a1b2c',
    vendor: 'leadtek',
    model: 'leadtek/LR8051S',
    version: '1.0',
  });
});
