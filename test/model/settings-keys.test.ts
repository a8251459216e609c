import assert from 'node:assert/strict';
import { test } from 'node:test';

import { isSecretKey, parseSetting, redactSettings } from '../../src/model/settings.ts';

test('config keys: 16 characters or 64 hex digits, secret, never echoed in errors', () => {
  assert.deepEqual(parseSetting('security.config_key', '0123456789abcdef'), {
    ok: true,
    value: '0123456789abcdef',
  });
  assert.equal(parseSetting('security.config_key', 'A1'.repeat(32)).ok, true);
  for (const bad of ['short', 'a'.repeat(17), 'g'.repeat(64), 'has a space 1234']) {
    const parsed = parseSetting('security.config_key', bad);
    assert.equal(parsed.ok, false, bad);
    if (!parsed.ok) assert.doesNotMatch(parsed.error.message, new RegExp(bad));
  }
  assert.equal(isSecretKey('security.config_key'), true);
  assert.equal(
    redactSettings({ 'security.config_key': '0123456789abcdef' })['security.config_key'],
    '********',
  );
  assert.equal(isSecretKey('native.fanvil.AUTOUPDATE_CONFIG_MODULE.Config_Encryption_Key'), true);
  assert.equal(isSecretKey('native.yealink.static.auto_provision.aes_key.mac'), true);
  assert.equal(isSecretKey('security.config_encryption'), false);
});

test('config names, served paths, formats and ciphers are validated', () => {
  assert.equal(parseSetting('provisioning.config_name', 'office.cfg').ok, true);
  assert.equal(parseSetting('provisioning.config_name', 'll').ok, true);
  for (const bad of ['../x', 'a/b', '', '.hidden', 'a..b']) {
    assert.equal(parseSetting('provisioning.config_name', bad).ok, false, bad);
  }
  assert.equal(parseSetting('resources.certificate', 'certs/ca.pem').ok, true);
  for (const bad of ['../ca.pem', '/etc/passwd', 'a//b', 'certs/../x']) {
    assert.equal(parseSetting('resources.certificate', bad).ok, false, bad);
  }
  assert.equal(parseSetting('provisioning.config_format', 'xml').ok, true);
  assert.equal(parseSetting('provisioning.config_format', 'json').ok, false);
  assert.equal(parseSetting('phonebook.format', 'vcf').ok, true);
  assert.equal(parseSetting('security.config_cipher', 'aes-256-ecb').ok, true);
  assert.equal(parseSetting('security.config_cipher', 'des').ok, false);
});
