import assert from 'node:assert/strict';
import { test } from 'node:test';

import { findMac, formatMac, parseMac, readMac, type Mac } from '../../src/model/mac.ts';

test('every accepted MAC form becomes 12 lowercase hex digits', () => {
  for (const form of [
    '00:21:F2:00:00:01',
    '0021f2000001',
    '00-21-f2-00-00-01',
    '0021.f200.0001',
    '0021F2000001',
    ' 00:21:f2:00:00:01 ',
  ]) {
    const parsed = parseMac(form);
    assert.ok(parsed.ok, form);
    assert.equal(parsed.value, '0021f2000001');
    assert.equal(readMac(form), '0021f2000001');
  }
});

test('anything else is a clear error naming the accepted forms', () => {
  for (const bad of [
    '',
    '0021f200000',
    '0021f20000011',
    '00:21:f2:00:00',
    'g021f2000001',
    '00:21-f2:00:00:01',
    '0021.f2000001',
    '../etc/passwd',
  ]) {
    const parsed = parseMac(bad);
    assert.equal(parsed.ok, false, bad);
    assert.equal(readMac(bad), undefined, bad);
    if (!parsed.ok) {
      assert.equal(parsed.error.code, 'PND_INVALID_MAC');
      assert.match(parsed.error.message, /00:21:f2:00:00:01/);
    }
  }
});

test('formatMac writes each style', () => {
  const mac = '0021f2000001' as Mac;
  assert.equal(formatMac(mac, 'colon'), '00:21:f2:00:00:01');
  assert.equal(formatMac(mac, 'COLON'), '00:21:F2:00:00:01');
  assert.equal(formatMac(mac, 'BARE'), '0021F2000001');
  assert.equal(formatMac(mac, 'dash'), '00-21-f2-00-00-01');
});

test('findMac finds a MAC inside a User-Agent with or without colons', () => {
  assert.equal(findMac('Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37'), '0015654aa937');
  assert.equal(findMac('Fanvil X4 2.10.2.6887 0c383e07e16c'), '0c383e07e16c');
  assert.equal(findMac('Mozilla/5.0'), undefined);
});
