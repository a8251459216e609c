import assert from 'node:assert/strict';
import { test } from 'node:test';

import { gigasetDriver } from '../../../src/drivers/gigaset/index.ts';
import type { Recognition } from '../../../src/drivers/driver.ts';

function claim(path: string, query = '', userAgent?: string): Recognition | undefined {
  return gigasetDriver.recognise({
    segments: path.split('/').filter(Boolean),
    query,
    transport: 'http',
    ...(userAgent ? { userAgent } : {}),
  });
}

const UA = 'Gigaset Maxwell 3/2.22.7+build.a1b2c3d;7C2F80000001';

test('the three first requests: <url> ending in the MAC, <url>/provisioning.xml, <url>/<MAC>.xml', () => {
  for (const path of [
    'gigaset/7c2f80000001',
    'gigaset/7C2F80000001',
    'gigaset/7c:2f:80:00:00:01',
    'gigaset/7C2F80000001/provisioning.xml',
    'prov/7C2F80000001.xml',
    'prov/7C:2F:80:00:00:01.xml',
  ]) {
    const recognition = claim(path);
    assert.equal(recognition?.file, 'provisioning', path);
    assert.equal(recognition?.mac, '7c2f80000001', path);
    assert.equal(recognition?.needsDevice, true);
  }
  assert.deepEqual(claim('gigaset/7C2F80000001/provisioning.xml')?.prefix, ['gigaset']);
  assert.deepEqual(claim('a/b/7C2F80000001.xml')?.prefix, ['a', 'b']);
});

test('provisioning.xml without a MAC in the path takes it from the query or the User-Agent', () => {
  assert.equal(claim('prov/provisioning.xml')?.mac, undefined);
  assert.equal(claim('prov/provisioning.xml', 'mac=7C2F80000001')?.mac, '7c2f80000001');
  const byAgent = claim('prov/provisioning.xml', '', UA);
  assert.equal(byAgent?.mac, '7c2f80000001');
  assert.deepEqual(byAgent?.reported, { model: 'Maxwell 3', firmware: '2.22.7+build.a1b2c3d' });
});

test("the driver's own files below <prefix>/<mac>/", () => {
  const cases: [string, string, Record<string, string> | undefined][] = [
    ['p/7c2f80000001/firmware/updates.xml', 'firmware-updates', undefined],
    ['p/7c2f80000001/nvm/updates.xml', 'nvm-updates', undefined],
    ['p/7c2f80000001/custom/updates.xml', 'custom-updates', undefined],
    ['p/7c2f80000001/nvm/settings.xml', 'nvm-settings', undefined],
    [
      'p/7c2f80000001/nvm/settings_2026-03-01_12-00-00.xml',
      'nvm-settings',
      { uvc: '2026-03-01_12:00:00' },
    ],
  ];
  for (const [path, file, params] of cases) {
    const recognition = claim(path);
    assert.equal(recognition?.file, file, path);
    assert.equal(recognition?.mac, '7c2f80000001');
    assert.deepEqual(recognition?.params, params);
    assert.deepEqual(recognition?.prefix, ['p']);
  }
});

test('%DVID in the URL names the model', () => {
  assert.deepEqual(claim('gigaset/82/1/7c2f80000001')?.reported, { model: 'Maxwell 3' });
  assert.deepEqual(claim('gigaset/84/1/7c2f80000001/nvm/updates.xml')?.reported, {
    model: 'Maxwell 4',
  });
  // An unknown device id is no model at all.
  assert.equal(claim('gigaset/99/9/7c2f80000001')?.reported, undefined);
});

test('what is not a Gigaset file, or names no MAC, is not claimed as one', () => {
  for (const path of [
    'gigaset/%MACD',
    'gigaset/%MACD/provisioning.xml',
    'gigaset/zz2f80000001',
    'gigaset/7c2f8000000',
    'p/7c2f80000001/other/updates.xml',
    'p/7c2f80000001/nvm/settings_yesterday.xml',
    'p/notamac/nvm/updates.xml',
    'y000000000000.cfg',
    '',
  ]) {
    const recognition = claim(path);
    assert.ok(recognition === undefined || recognition.mac === undefined, path);
  }
});

test('User-Agent: model, firmware and MAC as Gigaset writes them', () => {
  assert.deepEqual(gigasetDriver.parseUserAgent(UA), {
    vendor: 'gigaset',
    model: 'Maxwell 3',
    firmware: '2.22.7+build.a1b2c3d',
    mac: '7c2f80000001',
  });
  assert.equal(
    gigasetDriver.phone.userAgent({ mac: '7c2f80000001' as never, vendor: 'gigaset' }),
    'Gigaset Maxwell 3/2.22.7;7C2F80000001',
  );
  assert.equal(gigasetDriver.parseUserAgent('Yealink SIP-T46G 28.72.0.1'), undefined);
});

test('parseUserAgent answers a padded agent at once (a run of blanks backtracked)', () => {
  assert.deepEqual(gigasetDriver.parseUserAgent('Gigaset  N870 IP PRO / 83.V2.40.0'), {
    vendor: 'gigaset',
    model: 'N870 IP PRO',
    firmware: '83.V2.40.0',
  });
  const started = performance.now();
  for (let i = 0; i < 5; i++)
    assert.equal(gigasetDriver.parseUserAgent(`Gigaset ${' '.repeat(600)}/`), undefined);
  assert.ok(performance.now() - started < 30, `${performance.now() - started} ms`);
});
