import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { Recognition } from '../../../src/drivers/driver.ts';
import { auerswaldDriver } from '../../../src/drivers/auerswald/index.ts';

function claim(path: string, query = '', userAgent?: string): Recognition | undefined {
  return auerswaldDriver.recognise({
    segments: path.split('/').filter(Boolean),
    query,
    transport: 'http',
    ...(userAgent ? { userAgent } : {}),
  });
}

test('the files this driver names: entry, common, settings and operations', () => {
  const entry = claim('auerswald/00095200000E.xml', 'sn=123412341234&hw=D200');
  assert.equal(entry?.file, 'entry');
  assert.equal(entry?.mac, '00095200000e');
  assert.deepEqual(entry?.reported, { model: 'D200', serial: '123412341234' });
  assert.deepEqual(entry?.prefix, ['auerswald']);
  assert.equal(entry?.needsDevice, true);
  const common = claim('auerswald/auerswald-common.xml');
  assert.equal(common?.file, 'common');
  assert.equal(common?.needsDevice, false);
  assert.equal(claim('auerswald/00095200000E/settings.xml')?.file, 'settings');
  assert.equal(claim('auerswald/00095200000E/operations.xml')?.mac, '00095200000e');
});

test('markers the phone filled into a path or query: MAC, serial, hardware type', () => {
  const byQuery = claim('prov.py', 'mac=00095200000E&sn=123412341234&hw=D100');
  assert.equal(byQuery?.file, 'entry');
  assert.equal(byQuery?.mac, '00095200000e');
  assert.deepEqual(byQuery?.reported, { model: 'D100', serial: '123412341234' });
  assert.deepEqual(claim('prov/D400/00095200000E.xml')?.reported, { model: 'D400' });
  // A serial alone names the phone too; the pipeline finds the device that reported it.
  const bySerial = claim('prov.py', 'sn=123412341234');
  assert.equal(bySerial?.mac, undefined);
  assert.equal(bySerial?.reported?.serial, '123412341234');
});

test('unreplaced markers and names that are no MAC are not claimed as a phone', () => {
  for (const [path, query] of [
    ['auerswald/<MACADR>.xml', ''],
    ['auerswald/{mac}.xml', ''],
    ['prov.py', 'mac=<MACADR>&sn=<SERIAL>'],
    ['prov.py', 'mac=zzzz'],
    ['auerswald/notamac/settings.xml', ''],
    ['index.html', ''],
  ] as const) {
    const recognition = claim(path, query);
    assert.ok(recognition === undefined || recognition.mac === undefined, `${path}?${query}`);
    assert.equal(recognition?.reported?.serial, undefined);
  }
});

test('User-Agent: the hardware type and firmware', () => {
  const agent = auerswaldDriver.phone.userAgent({
    mac: '00095200000e' as never,
    vendor: 'auerswald',
    model: 'd400',
  });
  assert.equal(agent, 'Auerswald COMfortel D400 2.8A');
  assert.deepEqual(auerswaldDriver.parseUserAgent(agent), {
    vendor: 'auerswald',
    model: 'D400',
    firmware: '2.8A',
  });
  assert.equal(auerswaldDriver.parseUserAgent('Gigaset Maxwell 3/2.22.7;7C2F80000001'), undefined);
});
