import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { Mac } from '../../src/model/mac.ts';
import { RecentRequests } from '../../src/provisioning/recent-requests.ts';

const A = { mac: '001565000001' as Mac, vendor: 'yealink' };
const B = { mac: '001565000002' as Mac, vendor: 'yealink' };
const C = { mac: '0021f2000001' as Mac, vendor: 'flyingvoice' };

test('an address is tied to the device that asked from it, for the window only', () => {
  const recent = new RecentRequests({ windowMs: 1000 });
  recent.saw('10.0.0.7', A, 0);
  assert.deepEqual(recent.recent('10.0.0.7', 999), { mac: A.mac, vendor: 'yealink' });
  assert.equal(recent.recent('10.0.0.8', 10), undefined);
  assert.equal(recent.recent('10.0.0.7', 1000), undefined);
  // Each request that names the device renews the tie.
  recent.saw('10.0.0.7', A, 2000);
  recent.saw('10.0.0.7', A, 2900);
  assert.deepEqual(recent.recent('10.0.0.7', 3800), { mac: A.mac, vendor: 'yealink' });
});

test('two devices behind one address name no device; two vendors name no vendor', () => {
  const recent = new RecentRequests({ windowMs: 1000 });
  recent.saw('nat', A, 0);
  recent.saw('nat', B, 100);
  assert.deepEqual(recent.recent('nat', 200), { vendor: 'yealink' });
  recent.saw('nat', C, 300);
  assert.equal(recent.recent('nat', 400), undefined);
  // Once the window has passed since the last other device, the address is one phone again.
  recent.saw('nat', C, 1350);
  assert.deepEqual(recent.recent('nat', 1360), { mac: C.mac, vendor: 'flyingvoice' });
  // A device seen after the window is a new tie, not a conflict.
  recent.saw('nat', A, 5000);
  assert.deepEqual(recent.recent('nat', 5001), { mac: A.mac, vendor: 'yealink' });
});

test('bounded: the stalest address goes first', () => {
  const recent = new RecentRequests({ windowMs: 10_000, maxAddresses: 3 });
  for (let i = 0; i < 5; i++) recent.saw(`10.0.0.${i}`, A, i);
  assert.equal(recent.size, 3);
  assert.equal(recent.recent('10.0.0.0', 10), undefined);
  assert.equal(recent.recent('10.0.0.1', 10), undefined);
  assert.ok(recent.recent('10.0.0.4', 10));
});
