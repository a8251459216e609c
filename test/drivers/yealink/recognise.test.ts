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

test('per-model common files carry their number, two digits or three (W70B: 146)', () => {
  for (const [name, code] of [
    ['y000000000028.cfg', '28'],
    ['y000000000044.cfg', '44'],
    ['y000000000005.cfg', '5'],
    ['y000000000146.cfg', '146'],
    ['Y000000000077.CFG', '77'],
    ['y0000000000a5.cfg', 'a5'],
  ] as const) {
    const recognition = yealinkDriver.recognise(request(name));
    assert.equal(recognition?.file, 'model-cfg', name);
    assert.equal(recognition?.kind, 'config', name);
    assert.equal(recognition?.needsDevice, false, name);
    assert.deepEqual(recognition?.params, { code }, name);
  }
});

test('over TFTP a number that names one model reports that model; a shared one or an agent wins', () => {
  assert.deepEqual(yealinkDriver.recognise(request('y000000000146.cfg'))?.reported, {
    model: 'W70B',
  });
  // 95 is the T53 and the T53W: the number alone says neither.
  assert.equal(yealinkDriver.recognise(request('y000000000095.cfg'))?.reported, undefined);
  const agent = 'Yealink SIP-T53W 96.86.0.70 24:9a:d8:00:00:01';
  assert.deepEqual(yealinkDriver.recognise(request('y000000000095.cfg', agent))?.reported, {
    model: 'SIP-T53W',
    firmware: '96.86.0.70',
  });
});

test('the files the phone writes are claimed for its MAC and say so (writable), under any prefix', () => {
  for (const [path, file, kind, written] of [
    ['0015654aa937-local.cfg', 'mac-local', 'config', '0015654aa937-local.cfg'],
    ['/prov/0015654AA937-local.cfg', 'mac-local', 'config', '0015654aa937-local.cfg'],
    ['0015654aa937-contact.xml', 'mac-contact', 'phonebook', '0015654aa937-contact.xml'],
    ['0015654aa937-calllog.xml', 'mac-calllog', 'resource', '0015654aa937-calllog.xml'],
  ] as const) {
    for (const upload of [false, true]) {
      const recognition = yealinkDriver.recognise({ ...request(path), upload });
      assert.equal(recognition?.file, file, path);
      assert.equal(recognition?.kind, kind, path);
      assert.equal(recognition?.mac, '0015654aa937', path);
      assert.equal(recognition?.needsDevice, true, path);
      assert.equal(recognition?.writable, written, path);
    }
  }
  // What the phone only reads is never taken as an upload.
  for (const path of ['0015654aa937.cfg', 'y000000000000.cfg', '0015654aa937.boot', 'x.rom']) {
    assert.equal(yealinkDriver.recognise({ ...request(path), upload: true }), undefined, path);
    assert.equal(yealinkDriver.recognise(request(path))?.writable, undefined, path);
  }
});

test('firmware images by their own names, merged ones included, with a weak score', () => {
  for (const name of [
    'T46S-66.86.0.15.rom',
    'T54W(T57W,T53W,T53,T53C,T54,T57)-96.87.0.15.rom',
    'W56H-61.87.0.5.ROM',
  ]) {
    const recognition = yealinkDriver.recognise(request(`fw/${name}`));
    assert.equal(recognition?.file, 'firmware-image', name);
    assert.equal(recognition?.kind, 'firmware', name);
    assert.equal(recognition?.needsDevice, false, name);
    assert.deepEqual(recognition?.params, { name }, name);
    assert.ok(recognition!.score < 100, name);
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
    '0021f2000001-contact.cfg',
    '0021f2000001-local.xml',
    '0021f2000001.cfg.bak',
    '00:21:f2:00:00:01.cfg',
    'g021f2000001.cfg',
    'firmware.bin',
    '.rom.bak',
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

test('parseUserAgent answers a padded agent at once (a run of blanks took 30 ms)', () => {
  assert.deepEqual(yealinkDriver.parseUserAgent('Yealink-T46G 28.71.0.81 28.1.0.128.0.0.0'), {
    vendor: 'yealink',
    model: 'T46G',
    firmware: '28.71.0.81',
  });
  assert.deepEqual(yealinkDriver.parseUserAgent('Yealink / SIP-T46G  28.72.0.1'), {
    vendor: 'yealink',
    model: 'SIP-T46G',
    firmware: '28.72.0.1',
  });
  const started = performance.now();
  for (const agent of [`Yealink ${' '.repeat(600)}x`, `Yealink${' -/'.repeat(200)}x`])
    assert.equal(yealinkDriver.parseUserAgent(agent), undefined);
  assert.ok(performance.now() - started < 30, `${performance.now() - started} ms`);
});
