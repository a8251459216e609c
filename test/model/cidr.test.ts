import assert from 'node:assert/strict';
import { test } from 'node:test';

import { NetworkSet, parseCidr } from '../../src/model/cidr.ts';
import { parseSetting, schemaDefaults } from '../../src/model/settings.ts';

test('networks are read in their canonical form; anything else is refused', () => {
  assert.equal(parseCidr('10.0.0.0/8'), '10.0.0.0/8');
  assert.equal(parseCidr(' 192.0.2.7 '), '192.0.2.7/32');
  assert.equal(parseCidr('2001:DB8::/32'), '2001:db8::/32');
  assert.equal(parseCidr('::ffff:192.0.2.7/32'), '192.0.2.7/32');
  for (const bad of [
    '10.0.0.0/33',
    '10.0.0/8',
    'host.example',
    '::/129',
    '1.2.3.4/8/9',
    '1.2.3.4/x',
  ]) {
    assert.equal(parseCidr(bad), undefined, bad);
  }
});

test('a network set answers for IPv4, IPv6 and IPv4-mapped addresses', () => {
  const set = new NetworkSet(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32', 'junk']);
  assert.equal(set.size, 3);
  assert.equal(set.has('10.1.2.3'), true);
  assert.equal(set.has('::ffff:10.1.2.3'), true);
  assert.equal(set.has('192.0.2.7'), true);
  assert.equal(set.has('192.0.2.8'), false);
  assert.equal(set.has('2001:db8:1::5'), true);
  assert.equal(set.has('2001:db9::5'), false);
  assert.equal(set.has('not an address'), false);
});

test('access settings: the policy, its networks and its windows are validated', () => {
  assert.equal(schemaDefaults()['provisioning.access'], 'open');
  assert.equal(parseSetting('provisioning.access', 'device-credentials').ok, true);
  assert.equal(parseSetting('provisioning.access', 'everyone').ok, false);
  assert.deepEqual(parseSetting('provisioning.networks', '10.0.0.0/8, 192.0.2.7'), {
    ok: true,
    value: ['10.0.0.0/8', '192.0.2.7/32'],
  });
  assert.equal(parseSetting('provisioning.networks', '10.0.0.0/40').ok, false);
  const many = Array.from({ length: 64 }, (_, i) => `10.${i}.0.0/16`).join(',');
  assert.equal(parseSetting('provisioning.networks', many).ok, true);
  assert.equal(parseSetting('provisioning.networks', `${many},10.99.0.0/16`).ok, false);
  assert.equal(parseSetting('provisioning.first_contact_window', '0').ok, true);
  assert.equal(parseSetting('provisioning.digest_algorithms', 'md5').ok, true);
  assert.equal(parseSetting('provisioning.digest_algorithms', 'sha-512').ok, false);
});
