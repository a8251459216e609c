import assert from 'node:assert/strict';
import { test } from 'node:test';

import { chainSettings, effectiveSettings, withOwnSettings } from '../../src/model/merge.ts';
import type { Profile } from '../../src/model/device.ts';
import {
  groupIndexes,
  isSecretKey,
  parseAssignment,
  parseSetting,
  redactSettings,
  specFor,
} from '../../src/model/settings.ts';

test('typed values are parsed from text', () => {
  assert.deepEqual(parseSetting('accounts.1.registrar_port', '5062'), { ok: true, value: 5062 });
  assert.deepEqual(parseSetting('accounts.2.enabled', 'yes'), { ok: true, value: true });
  assert.deepEqual(parseSetting('time.ntp_servers', 'a.pool.ntp.org, b.pool.ntp.org'), {
    ok: true,
    value: ['a.pool.ntp.org', 'b.pool.ntp.org'],
  });
  assert.deepEqual(parseSetting('time.timezone', 'Europe/Berlin'), {
    ok: true,
    value: 'Europe/Berlin',
  });
  assert.deepEqual(parseSetting('native.yealink.features.pound_key.mode', '1'), {
    ok: true,
    value: '1',
  });
});

test('invalid values are refused with the key and what is allowed', () => {
  const cases: [string, string, RegExp][] = [
    ['accounts.1.registrar_port', '70000', /from 1 to 65535/],
    ['accounts.1.transport', 'sctp', /one of: udp, tcp, tls/],
    ['time.timezone', 'Mars/Olympus', /IANA time zone/],
    ['accounts.1.registrar', 'bad host!', /host name/],
    ['phonebook.url', 'gopher://x', /absolute URL/],
    ['accounts.1.label', 'two\nlines', /not valid/],
    // new URL() takes each of these; written verbatim, each ends the phone's value early.
    ['phonebook.url', 'http://pbx/a b.xml', /percent-encoded/],
    ['phonebook.url', 'http://pbx/"a".xml', /percent-encoded/],
    ['firmware.url', 'http://pbx/<x>', /percent-encoded/],
    ['accounts.1.label', 'bell\x07', /not valid/],
    ['accounts.1.password', 'pw\n', /without tabs and without spaces at either end/],
    ['accounts.1.password', ' pw', /without tabs and without spaces at either end/],
    ['accounts.1.password', 'p\tw', /without tabs and without spaces at either end/],
    ['accounts.1.password', 'p\x00w', /without tabs and without spaces at either end/],
    ['native.yealink.account.1.label', 'a\x00b', /control characters/],
    ['native.yealink.account.1.label', 'a\x1bb', /control characters/],
  ];
  for (const [key, value, expected] of cases) {
    const parsed = parseSetting(key, value);
    assert.equal(parsed.ok, false, key);
    if (!parsed.ok) {
      assert.equal(parsed.error.code, 'PND_INVALID_SETTING');
      assert.match(parsed.error.message, new RegExp(key.replace(/\./g, '\\.')));
      assert.match(parsed.error.message, expected);
    }
  }
});

test('a secret is kept as given; a URL percent-encoded, and a native value with its tab', () => {
  assert.deepEqual(parseSetting('accounts.1.password', 'a "b" c$'), {
    ok: true,
    value: 'a "b" c$',
  });
  assert.deepEqual(parseSetting('phonebook.url', 'http://pbx/a%20b.xml'), {
    ok: true,
    value: 'http://pbx/a%20b.xml',
  });
  assert.deepEqual(parseSetting('native.yealink.account.1.label', 'a\tb'), {
    ok: true,
    value: 'a\tb',
  });
});

test('unknown keys are refused and the message says where to look', () => {
  for (const key of [
    'accounts.1.colour',
    'accounts.0.user',
    'accounts.65.user',
    'nonsense',
    'native.yealink.',
  ]) {
    const parsed = parseSetting(key, 'x');
    assert.equal(parsed.ok, false, key);
    if (!parsed.ok) assert.equal(parsed.error.code, 'PND_UNKNOWN_SETTING');
  }
  assert.ok(specFor('accounts.12.user'));
  assert.equal(specFor('accounts.1x.user'), undefined);
});

test('a secret value never appears in its own error message', () => {
  const parsed = parseSetting('accounts.1.password', 'x'.repeat(300));
  assert.equal(parsed.ok, false);
  if (!parsed.ok) assert.doesNotMatch(parsed.error.message, /xxxx/);
});

test("a refused URL is named without its userinfo: a phone's credentials never reach the error", () => {
  for (const key of ['provisioning.url', 'firmware.url', 'phonebook.url']) {
    const parsed = parseSetting(key, 'sftp://admin:hunter2@pbx/x');
    assert.equal(parsed.ok, false, key);
    if (parsed.ok) continue;
    assert.doesNotMatch(parsed.error.message, /hunter2|admin/, key);
    assert.match(parsed.error.message, /"sftp:\/\/\*\*\*\*@pbx\/x" is not valid/, key);
    // Without a scheme the userinfo cannot be told apart: the value is not shown at all.
    const bare = parseSetting(key, 'admin:hunter2@pbx');
    assert.ok(!bare.ok && !bare.error.message.includes('hunter2'), key);
  }
  // Other values are still quoted, so the typo shows.
  const typo = parseSetting('provisioning.url', 'htp//pbx');
  assert.ok(!typo.ok && typo.error.message.includes('"htp//pbx"'));
});

test('key=value assignments', () => {
  assert.deepEqual(parseAssignment('accounts.1.user=1001'), {
    ok: true,
    value: { key: 'accounts.1.user', value: '1001' },
  });
  assert.equal(parseAssignment('accounts.1.user').ok, false);
  assert.deepEqual(parseAssignment('accounts.1.password=a=b'), {
    ok: true,
    value: { key: 'accounts.1.password', value: 'a=b' },
  });
});

test('secrets are recognised and redacted', () => {
  assert.ok(isSecretKey('accounts.3.password'));
  assert.ok(isSecretKey('provisioning.password'));
  assert.ok(isSecretKey('native.yealink.static.auto_provision.aes_key.com'));
  assert.ok(!isSecretKey('accounts.3.user'));
  assert.deepEqual(redactSettings({ 'accounts.1.password': 's3cret', 'accounts.1.user': '1001' }), {
    'accounts.1.password': '********',
    'accounts.1.user': '1001',
  });
});

test('effective settings: schema defaults ◀ default profile ◀ device profiles in order ◀ device', () => {
  const profile = (name: string, settings: Profile['settings']): Profile => ({
    name,
    settings,
    createdAt: '',
    updatedAt: '',
  });
  const profiles = new Map([
    [
      'default',
      profile('default', { 'time.timezone': 'UTC', 'provisioning.resync_interval': 600 }),
    ],
    [
      'office',
      profile('office', { 'time.timezone': 'Europe/Berlin', 'accounts.1.registrar': 'pbx.office' }),
    ],
    ['floor2', profile('floor2', { 'accounts.1.registrar': 'pbx.floor2' })],
  ]);
  const { settings, origin } = effectiveSettings(
    { profiles: ['office', 'floor2'], settings: { 'accounts.1.user': '1001' } },
    profiles,
  );
  assert.equal(settings['time.timezone'], 'Europe/Berlin');
  assert.equal(origin['time.timezone'], 'profile:office');
  assert.equal(settings['accounts.1.registrar'], 'pbx.floor2');
  assert.equal(settings['provisioning.resync_interval'], 600);
  assert.equal(origin['provisioning.resync_interval'], 'profile:default');
  assert.equal(settings['provisioning.resync_on_reset'], true);
  assert.equal(origin['provisioning.resync_on_reset'], 'schema');
  assert.equal(origin['accounts.1.user'], 'device');
  // A chain merged once, the device's own laid over it: the same settings in the same order.
  const own = { 'accounts.1.user': '1001', 'time.timezone': 'Asia/Tokyo' };
  for (const names of [['office', 'floor2'], ['floor2', 'default', 'office'], [], ['gone']]) {
    const chain = chainSettings(names, profiles);
    const expected = effectiveSettings({ profiles: names, settings: own }, profiles).settings;
    assert.deepEqual(Object.entries(withOwnSettings(chain, own)), Object.entries(expected));
    assert.equal(chain['accounts.1.user'], undefined, 'the chain is left as it was');
  }
  assert.deepEqual(
    groupIndexes(
      { 'accounts.2.user': 'a', 'accounts.1.user': 'b', 'keys.3.type': 'blf' },
      'accounts',
    ),
    [1, 2],
  );
});

test('a JSON object whose own toString is no function is refused, not thrown', () => {
  // JSON.parse gives own properties named like Object.prototype's; String() of them throws.
  const odd = JSON.parse('{"toString": 1, "valueOf": {}}') as unknown;
  const single = parseSetting('accounts.1.enabled', odd);
  assert.equal(single.ok, false);
  assert.equal(!single.ok && single.error.code, 'PND_INVALID_SETTING');
  assert.match(!single.ok ? single.error.message : '', /\[object Object\]/);
  const list = parseSetting('time.ntp_servers', [odd]);
  assert.equal(list.ok, false);
});

test("a key's value and pickup code are dial strings: what would start another field in a vendor's key syntax is refused", () => {
  for (const good of [
    '203',
    '*97',
    '+4930123456',
    'alice.b',
    '#8',
    '224.0.1.116:5001',
    '201@pbx.example.com',
    'sip:conf@example.com',
    '0800123,,1234#',
  ])
    assert.deepEqual(parseSetting('keys.1.value', good), { ok: true, value: good });
  for (const bad of ['203;nme=x', '2 03', '20=3', 'a/b', '"x"', ''])
    for (const key of ['keys.1.value', 'keys.2.pickup_value']) {
      const parsed = parseSetting(key, bad);
      assert.equal(parsed.ok, false, `${key}=${bad}`);
      if (!parsed.ok)
        assert.match(parsed.error.message, /a number, extension or address as dialled/);
    }
});
