import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseSetting } from '../../src/model/settings.ts';

test('sip.contact takes a SIP address with or without user and port, and nothing else', () => {
  for (const good of [
    'sip:1001@10.0.0.23:5060',
    'sip:1001@10.0.0.23',
    '1001@pbx.example.com',
    '10.0.0.23',
    '10.0.0.23:5062',
    'phone-17.example.com',
    'sip:[2001:db8::1]:5062',
  ]) {
    assert.deepEqual(parseSetting('sip.contact', good), { ok: true, value: good }, good);
  }
  for (const bad of [
    '',
    'sip:',
    'http://10.0.0.23/',
    '10.0.0.23:0',
    '10.0.0.23:70000',
    'sip:a@b@c',
    'sip:1001@host name',
    'sip:1001@10.0.0.23;transport=tcp',
  ]) {
    const parsed = parseSetting('sip.contact', bad);
    assert.equal(parsed.ok, false, bad);
    if (!parsed.ok) assert.equal(parsed.error.code, 'PND_INVALID_SETTING');
  }
});
