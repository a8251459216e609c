import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { DeviceFileRequest } from '../../../src/drivers/driver.ts';
import { driverForVendor, drivers, knownVendors } from '../../../src/drivers/registry.ts';
import { yealinkDriver } from '../../../src/drivers/yealink/index.ts';
import type { Mac } from '../../../src/model/mac.ts';

function request(path: string, userAgent?: string): DeviceFileRequest {
  return {
    segments: path.split('/').filter(Boolean),
    query: '',
    transport: 'tftp',
    ...(userAgent ? { userAgent } : {}),
  };
}

test('MAC files are claimed with the MAC in canonical lowercase, whatever the case of the name', () => {
  for (const [name, file, kind] of [
    ['0021f2000001', 'mac-bare', 'boot'],
    ['0021F2000001', 'mac-bare', 'boot'],
    ['0021f2000001.boot', 'mac-boot', 'boot'],
    ['0021F2000001.BOOT', 'mac-boot', 'boot'],
    ['0021f2000001.cfg', 'mac-cfg', 'config'],
    ['0021F2000001.cfg', 'mac-cfg', 'config'],
  ] as const) {
    assert.deepEqual(
      yealinkDriver.recognise(request(name)),
      { file, kind, score: 100, prefix: [], needsDevice: true, mac: '0021f2000001' },
      name,
    );
  }
});

test('the last segment is the file; everything before it is the prefix', () => {
  const recognition = yealinkDriver.recognise(request('/prov/site-a/0021f2000001.cfg'));
  assert.equal(recognition?.file, 'mac-cfg');
  assert.deepEqual(recognition?.prefix, ['prov', 'site-a']);
  assert.equal(recognition?.mac, '0021f2000001');
  // Flyingvoice's profile rule https://prv4.flyingvoice.net/config/$(MA)?mac=$(MA)&
  const bare = yealinkDriver.recognise({
    ...request('/config/0021f2000001'),
    query: 'mac=0021f2000001&',
  });
  assert.equal(bare?.file, 'mac-bare');
  assert.deepEqual(bare?.prefix, ['config']);
});

test('common files are claimed without a device', () => {
  for (const [name, file] of [
    ['y000000000000.boot', 'common-boot'],
    ['y000000000000.cfg', 'common-cfg'],
    ['Y000000000000.CFG', 'common-cfg'],
  ] as const) {
    const recognition = yealinkDriver.recognise(request(name));
    assert.equal(recognition?.file, file, name);
    assert.equal(recognition?.needsDevice, false, name);
    assert.equal(recognition?.score, 100, name);
    assert.equal(recognition?.mac, undefined, name);
  }
});

test('per-model common files carry their two-digit code', () => {
  for (const [name, code] of [
    ['y000000000028.cfg', '28'],
    ['y000000000044.cfg', '44'],
    ['y0000000000a5.cfg', 'a5'],
  ] as const) {
    const recognition = yealinkDriver.recognise(request(name));
    assert.equal(recognition?.file, 'model-cfg', name);
    assert.equal(recognition?.kind, 'config', name);
    assert.equal(recognition?.needsDevice, false, name);
    assert.deepEqual(recognition?.params, { model: code }, name);
  }
});

test('anything else is not recognised', () => {
  for (const name of [
    '',
    'y000000000000.xml',
    'y000000000000',
    'y00000000028.cfg',
    'y0000000000028.cfg',
    '0021f200000.cfg',
    '0021f20000011.cfg',
    '0021f2000001.xml',
    '0021f2000001-contact.xml',
    '0021f2000001.cfg.bak',
    '00:21:f2:00:00:01.cfg',
    'g021f2000001.cfg',
    'firmware.rom',
    '0021f2000001.boot/extra',
  ]) {
    assert.equal(yealinkDriver.recognise(request(name)), undefined, name);
  }
});

test('model, firmware and MAC come from the User-Agent', () => {
  const agent = 'Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37';
  const common = yealinkDriver.recognise(request('y000000000000.cfg', agent));
  assert.deepEqual(common?.reported, { model: 'SIP-T46G', firmware: '28.72.0.1' });
  assert.equal(common?.mac, '0015654aa937');
  // A MAC in the name is the one that counts.
  const named = yealinkDriver.recognise(request('0021f2000001.cfg', agent));
  assert.equal(named?.mac, '0021f2000001');
  assert.deepEqual(named?.reported, { model: 'SIP-T46G', firmware: '28.72.0.1' });
  const unknown = yealinkDriver.recognise(request('y000000000000.cfg', 'curl/8.0'));
  assert.equal(unknown?.reported, undefined);
});

test('parseUserAgent reads Yealink agents with and without colons in the MAC', () => {
  assert.deepEqual(yealinkDriver.parseUserAgent('Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37'), {
    vendor: 'yealink',
    model: 'SIP-T46G',
    firmware: '28.72.0.1',
    mac: '0015654aa937',
  });
  assert.deepEqual(yealinkDriver.parseUserAgent('Yealink SIP-T46G 28.72.0.1 0015654AA937'), {
    vendor: 'yealink',
    model: 'SIP-T46G',
    firmware: '28.72.0.1',
    mac: '0015654aa937',
  });
  assert.deepEqual(yealinkDriver.parseUserAgent('Yealink W60B 77.83.0.10'), {
    vendor: 'yealink',
    model: 'W60B',
    firmware: '77.83.0.10',
  });
});

test('parseUserAgent reads Flyingvoice agents, including those that start with the model', () => {
  const expected = {
    vendor: 'flyingvoice',
    model: 'FIP14G',
    firmware: 'V0.5.15',
    mac: '0021f2000001',
  };
  assert.deepEqual(
    yealinkDriver.parseUserAgent('Flyingvoice FIP14G V0.5.15 0021f2000001'),
    expected,
  );
  assert.deepEqual(yealinkDriver.parseUserAgent('FIP14G V0.5.15 00:21:f2:00:00:01'), expected);
  assert.deepEqual(yealinkDriver.parseUserAgent('FIP11C(P)'), {
    vendor: 'flyingvoice',
    model: 'FIP11C(P)',
  });
});

test('parseUserAgent leaves other agents alone', () => {
  for (const agent of [
    '',
    'Mozilla/5.0 (X11; Linux x86_64)',
    'curl/8.5.0',
    'Fanvil X4 2.10.2.6887 0c383e07e16c',
    'Yealink',
    'FIPS-client 1.0',
  ]) {
    assert.equal(yealinkDriver.parseUserAgent(agent), undefined, agent);
  }
});

test('files lists the device files in the order the phone asks', () => {
  assert.deepEqual(yealinkDriver.files('0021f2000001' as Mac), [
    '0021f2000001.boot',
    '0021f2000001.cfg',
    'y000000000000.boot',
    'y000000000000.cfg',
  ]);
  // Every listed file is one the driver recognises.
  for (const name of yealinkDriver.files('0021f2000001' as Mac)) {
    assert.ok(yealinkDriver.recognise(request(name)), name);
  }
});

test('the registry finds the driver by vendor and lists the vendors', () => {
  assert.ok(drivers.includes(yealinkDriver));
  assert.equal(driverForVendor('flyingvoice'), yealinkDriver);
  assert.equal(driverForVendor('yealink'), yealinkDriver);
  assert.equal(driverForVendor('nobody'), undefined);
  // Other drivers add their vendors; the list stays sorted and holds these two.
  const vendors = knownVendors();
  assert.deepEqual(vendors, [...vendors].sort());
  assert.ok(vendors.includes('flyingvoice') && vendors.includes('yealink'));
  assert.ok(yealinkDriver.vendors.includes(yealinkDriver.defaultVendor));
});
