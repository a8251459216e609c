import assert from 'node:assert/strict';
import { test } from 'node:test';

import { cipherKey, decryptConfig } from '../../../src/crypto/config-cipher.ts';
import { fanvilDriver } from '../../../src/drivers/fanvil/index.ts';
import { parseConfig } from '../../../src/drivers/fanvil/format.ts';
import type { Settings } from '../../../src/model/settings.ts';
import { ACCOUNTS, CONTACTS, FIRMWARE } from './fixtures.ts';
import { MAC, context, golden, recognised, render, renderText } from './helpers.ts';

const FIGURE_1: Settings = {
  'time.timezone': 'Asia/Shanghai',
  'phonebook.url': 'tftp://123:123@172.16.6.70/500.csv',
  'firmware.url': 'http://123:123@172.16.6.70:8000/x4.z',
  'resources.certificate': 'sips.pem',
};

function values(text: string): Map<string, string> {
  const parsed = parseConfig(text);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
  return parsed.value.values;
}

/** Every line of the seed's file is in ours with the same value. */
function assertCarries(ours: string, seed: string): void {
  const mine = values(ours);
  for (const [key, value] of values(seed)) assert.equal(mine.get(key), value, key);
}

/** Seed 004 figure 6 writes tag names with spaces, which XML cannot carry; read it with `_`. */
function xmlNames(text: string): string {
  return text.replace(
    /<(\/?)([A-Za-z][A-Za-z_ ]*)>/g,
    (_m, slash: string, name: string) => `<${slash}${name.replace(/ /g, '_')}>`,
  );
}

test('golden: seed 004 figure 1, the general file of an X4 (time zone 32, phonebook, image, certificate)', () => {
  const text = renderText('f0X4hw1.100.cfg', FIGURE_1, { withDevice: false });
  assert.equal(text, golden('figure1.cfg'));
  assertCarries(text!, golden('seed-figure1.cfg'));
});

test('golden: seed 004 figure 6, the XML form of a user-named file', () => {
  const text = renderText(
    'll.xml',
    { 'time.timezone': 'Asia/Shanghai', 'firmware.url': 'tftp://172.16.6.45/x4.z' },
    { baseUrl: 'tftp://172.16.6.45/' },
  );
  assert.equal(text, golden('figure6.xml'));
  assertCarries(text!, xmlNames(golden('seed-figure6.xml')));
});

test('golden: the §4.1 module rule example (Host Name :VOIP) through a native key', () => {
  const text = renderText(
    'f0X4hw1.100.cfg',
    { 'native.fanvil.GLOBAL_CONFIG_MODULE.Host_Name': 'VOIP' },
    { withDevice: false },
  );
  assert.equal(text, golden('host-name.cfg'));
  assertCarries(text!, golden('seed-host-name.cfg'));
});

test('golden: every AUTOUPDATE URL of seed 004 §4.4 (figures 18 to 24)', () => {
  const text = renderText(`${MAC}.cfg`, {
    'firmware.url': 'ftp://123:123@172.16.6.70:8000/x4.z',
    'phonebook.url': 'tftp://123:123@172.16.6.70/500.csv',
    'resources.certificate': 'sips.pem',
    'resources.background': 'background.bmp',
    'native.fanvil.AUTOUPDATE_CONFIG_MODULE.Auto_Mmiset_Url':
      'tftp://123:123@172.16.6.45/mmiset6_SpanishT20131206171925.z',
    'native.fanvil.AUTOUPDATE_CONFIG_MODULE.Auto_DPeer_Url':
      'ftp://123:123@172.16.6.45:8080/dialPeer.csv',
    'native.fanvil.AUTOUPDATE_CONFIG_MODULE.Auto_AList_Url':
      'ftp://123:123@172.16.6.45:8080/accessList.csv',
  });
  assert.equal(text, golden('autoupdate.cfg'));
  assertCarries(text!, golden('seed-figures-18-24.cfg'));
});

test('golden: accounts, time, language, DSS keys, phonebook and firmware target, text and XML', () => {
  const options = { contacts: CONTACTS, firmware: FIRMWARE };
  const text = renderText(`${MAC}.cfg`, ACCOUNTS, options);
  assert.equal(text, golden('0c383e07e16c.cfg'));
  assert.equal(renderText(`${MAC}.xml`, ACCOUNTS, options), golden('0c383e07e16c.xml'));
  // Both forms say the same thing.
  assert.deepEqual(values(golden('0c383e07e16c.xml')), values(text!));
  // `.cfg` follows provisioning.config_format.
  assert.equal(
    renderText(
      `${MAC}.cfg`,
      { ...ACCOUNTS, 'provisioning.config_format': 'xml' },
      options,
    )!.startsWith('<VOIP_CONFIG_FILE>'),
    true,
  );
});

test('golden: the phonebook in xml, vcf and csv', () => {
  for (const form of ['xml', 'vcf', 'csv']) {
    assert.equal(
      renderText(`${MAC}-contacts.${form}`, {}, { contacts: CONTACTS }),
      golden(`contacts.${form}`),
      form,
    );
  }
  assert.equal(render(`${MAC}-contacts.vcf`, {}), undefined, 'no contacts, no phonebook');
});

test('the text form: a 64-byte header (62 padded + CRLF), CRLF everywhere, module headers for every key', () => {
  const text = golden('0c383e07e16c.cfg');
  const firstLine = text.slice(0, text.indexOf('\n') + 1);
  assert.equal(Buffer.byteLength(firstLine), 64);
  assert.match(firstLine, /^<<VOIP CONFIG FILE>>Version:2\.\d{10} +\r\n$/);
  assert.doesNotMatch(text.replace(/\r\n/g, ''), /[\r\n]/);
  assert.ok(text.endsWith('<<END OF FILE>>\r\n'));
});

test('the version changes when the content changes, and only then', () => {
  const version = (text: string | undefined): string =>
    parseConfig(text!).ok
      ? (parseConfig(text!) as { value: { version: string } }).value.version
      : '';
  const a = renderText(`${MAC}.cfg`, ACCOUNTS);
  const again = renderText(`${MAC}.cfg`, { ...ACCOUNTS });
  assert.equal(again, a);
  // Another door or time of day with the same content: same version.
  assert.equal(
    version(renderText(`${MAC}.cfg`, ACCOUNTS, { now: new Date('2024-01-20T08:00:00Z') })),
    version(a),
  );
  const changed = [
    { ...ACCOUNTS, 'accounts.1.password': 'new-Pass' },
    { ...ACCOUNTS, 'time.ntp_servers': ['ntp.example.org'] },
    { ...ACCOUNTS, 'keys.3.label': 'Front desk' },
  ];
  const versions = new Set([
    version(a),
    ...changed.map((s) => version(renderText(`${MAC}.cfg`, s))),
  ]);
  assert.equal(versions.size, 4);
  // Summer writes the same rules as winter: same content, same version.
  assert.equal(
    version(renderText(`${MAC}.cfg`, ACCOUNTS, { now: new Date('2024-07-15T12:00:00Z') })),
    version(a),
  );
  // A firmware target appearing is a change the phone must see.
  assert.notEqual(version(renderText(`${MAC}.cfg`, ACCOUNTS, { firmware: FIRMWARE })), version(a));
  const xmlA = renderText(`${MAC}.xml`, ACCOUNTS);
  assert.equal(version(renderText(`${MAC}.xml`, ACCOUNTS)), version(xmlA));
  assert.notEqual(version(renderText(`${MAC}.xml`, changed[0]!)), version(xmlA));
});

test('Fanvil time zones are quarter hours; half-hour zones and west of UTC work', () => {
  const zone = (tz: string): string | undefined =>
    values(renderText(`${MAC}.cfg`, { 'time.timezone': tz })!).get('Time Zone');
  assert.equal(zone('Asia/Shanghai'), '32');
  assert.equal(zone('UTC'), '0');
  assert.equal(zone('America/New_York'), '-20');
  assert.equal(zone('Asia/Kolkata'), '22');
  assert.equal(zone('Asia/Kathmandu'), '23');
  assert.equal(
    values(renderText(`${MAC}.cfg`, { 'time.timezone': 'Asia/Kolkata' })!).get('Time Zone Name'),
    'UTC+5:30',
  );
});

test('explain lists the native lines with their canonical source and what Fanvil ignores', () => {
  const explanation = fanvilDriver.explain(
    recognised(`${MAC}.cfg`),
    context({ ...ACCOUNTS, 'accounts.1.transport': 'tls' }),
  );
  assert.ok(explanation);
  assert.deepEqual(
    explanation.entries.find((e) => e.key === '<SIP CONFIG MODULE>SIP1 Register Pswd'),
    {
      key: '<SIP CONFIG MODULE>SIP1 Register Pswd',
      value: 's3cret-Pass',
      from: 'accounts.1.password',
    },
  );
  assert.deepEqual(explanation.ignored, ['accounts.1.transport', 'keys.4.type']);
});

test('an encrypted file decrypts back to the plain file; no usable key, no file', () => {
  const key = 'c7fc19404e0b0bcc8885d31f2d8ff7e8e09f0e28c7fc19404e0b0bcc8885d31f';
  const plain = render(`${MAC}.cfg`, ACCOUNTS)!;
  for (const cipher of ['aes-256-cbc', 'aes-256-ecb'] as const) {
    const settings: Settings = {
      ...ACCOUNTS,
      'security.config_encryption': true,
      'security.config_key': key,
      'security.config_cipher': cipher,
    };
    const artifact = fanvilDriver.render(recognised(`${MAC}.cfg`), context(settings))!;
    assert.equal(artifact.contentType, 'application/octet-stream');
    assert.ok(!artifact.body.includes('s3cret-Pass'));
    assert.deepEqual(decryptConfig(cipher, artifact.body, cipherKey(cipher, key)!), plain, cipher);
  }
  const withoutKey = { ...ACCOUNTS, 'security.config_encryption': true };
  assert.equal(render(`${MAC}.cfg`, withoutKey), undefined);
  const yealinkStyleKey = { ...withoutKey, 'security.config_key': '0123456789abcdef' };
  assert.equal(render(`${MAC}.cfg`, yealinkStyleKey), undefined);
});

test('the MAC file exists only for a device; the general file for everyone', () => {
  assert.equal(render(`${MAC}.cfg`, ACCOUNTS, { withDevice: false }), undefined);
  assert.ok(render('F0V00X600000.cfg', {}, { withDevice: false }));
});

test('a key whose value is an address (user@host) is not written in number@line/kind, and says so', () => {
  const settings = { ...FIGURE_1, 'keys.1.type': 'blf', 'keys.1.value': '201@pbx.example.com' };
  const explained = fanvilDriver.explain(recognised(`${MAC}.cfg`), context(settings))!;
  assert.ok(!explained.entries.some((e) => e.key === 'Fkey1 Value'));
  assert.ok(explained.ignored.includes('keys.1.value'));
});
