import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { PnpContext, PnpSubscribe } from '../../../src/drivers/driver.ts';
import { grandstreamDriver } from '../../../src/drivers/grandstream/index.ts';
import type { Mac } from '../../../src/model/mac.ts';
import { MAC, device } from './helpers.ts';

const STRANGER = '02bb00000001' as Mac;

function subscribe(overrides: Partial<PnpSubscribe> = {}): PnpSubscribe {
  return { mac: MAC, macForm: 'MAC%3a', ...overrides };
}

test('claims by Event vendor, then by a Grandstream model, then by MAC block', () => {
  const claims = grandstreamDriver.claimsPnp!;
  assert.deepEqual(claims(subscribe({ vendor: 'Grandstream', mac: STRANGER })), {
    vendor: 'grandstream',
    score: 100,
  });
  assert.deepEqual(claims(subscribe({ model: 'GRP2614', mac: STRANGER })), {
    vendor: 'grandstream',
    score: 90,
  });
  for (const mac of ['000b82123456', 'c074ad0b63ee', 'ec74d7000001'])
    assert.deepEqual(claims(subscribe({ mac: mac as Mac })), { vendor: 'grandstream', score: 60 });
  assert.equal(claims(subscribe({ mac: STRANGER, vendor: 'Fanvil', model: 'X4' })), undefined);
});

test('the URL is the config server directory, HTTPS, else HTTP, else TFTP', () => {
  const url = grandstreamDriver.plugAndPlayUrl!;
  const at = (doors: PnpContext['doors']): string | undefined =>
    url(subscribe(), { vendor: 'grandstream', settings: {}, doors, device: device({}) });
  assert.equal(
    at({ https: 'https://p.example.com', http: 'http://10.0.0.5' }),
    'https://p.example.com/',
  );
  assert.equal(
    at({ http: 'http://10.0.0.5:8080', tftp: 'tftp://10.0.0.5' }),
    'http://10.0.0.5:8080/',
  );
  assert.equal(at({ tftp: 'tftp://10.0.0.5:6969' }), 'tftp://10.0.0.5:6969/');
  assert.equal(at({}), undefined);
});

test('check-sync, and check-sync;reboot=true to restart', () => {
  const d = device({});
  assert.equal(grandstreamDriver.checkSync!(d, { reboot: false }), 'check-sync');
  assert.equal(grandstreamDriver.checkSync!(d, { reboot: true }), 'check-sync;reboot=true');
});

test('the SUBSCRIBE the emulated phone sends', () => {
  assert.deepEqual(
    grandstreamDriver.phone.plugAndPlay!({ mac: MAC, vendor: 'grandstream', model: 'grp2614' }),
    { user: `MAC%3a${MAC}`, vendor: 'Grandstream', model: 'GRP2614', version: '1.0.11.3' },
  );
});

test('DHCP: option 66 as a full URL, read back as the phone does', () => {
  const dhcp = grandstreamDriver.dhcp!;
  const offer = dhcp.offer('grandstream', {
    doors: { http: 'http://10.0.0.5', tftp: 'tftp://10.0.0.5' },
  })!;
  // HTTP on port 80: a bare host, which DHCP clients checking 66 as a host name let through.
  assert.deepEqual(offer.options, [{ code: 66, value: { kind: 'text', text: '10.0.0.5' } }]);
  assert.equal(offer.url, 'http://10.0.0.5/');
  const port = dhcp.offer('grandstream', { doors: { http: 'http://10.0.0.5:8080' } })!;
  assert.deepEqual(port.options, [
    { code: 66, value: { kind: 'text', text: 'http://10.0.0.5:8080/' } },
  ]);
  const derived = dhcp.derive('grandstream', new Map([[66, Buffer.from('http://10.0.0.5/')]]), {});
  assert.equal(derived?.start.baseUrl, 'http://10.0.0.5/');
  // A bare host: the phone's default protocol, HTTP.
  assert.equal(
    dhcp.derive('grandstream', new Map([[66, Buffer.from('10.0.0.5')]]), {})?.url,
    'http://10.0.0.5/',
  );
  assert.deepEqual(dhcp.macPrefixes['grandstream'], ['000b82', 'c074ad', 'ec74d7']);
});
