import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  decodeOptionList,
  decodeSuboptions,
  decodeText,
  encodeOptionList,
  encodeSuboptions,
  encodeValue,
  formatHex,
  isCustomCode,
  joinUrl,
  macMatchesPrefix,
  parseMacPrefix,
  parseOptionArgument,
  parseOptionArguments,
  parseOptionValue,
  vendorClassMatches,
} from '../../src/formats/dhcp-options.ts';

// Seed 003: option 43 carrying 66 and 67 as sub-options 0x42 and 0x43, NUL-terminated.
const SEED_003_43 =
  '42:0b:68:74:74:70:3a:2f:2f:66:6f:6f:00:43:0c:3c:48:57:54:59:50:3e:2e:62:61:6b:00';

describe('DHCP option codecs', () => {
  it('encodes seed 003 sub-options byte for byte', () => {
    const encoded = encodeSuboptions(
      [
        { code: 0x42, text: 'http://foo' },
        { code: 0x43, text: '<HWTYP>.bak' },
      ],
      true,
    );
    assert.ok(encoded.ok);
    assert.equal(formatHex(encoded.value), SEED_003_43);
  });

  it('decodes seed 003 sub-options, the NUL ending each text', () => {
    const data = parseOptionValue(SEED_003_43);
    assert.ok(data.ok);
    const subs = decodeSuboptions(data.value);
    assert.ok(subs.ok);
    assert.deepEqual(
      subs.value.map((s) => [s.code, decodeText(s.data)]),
      [
        [0x42, 'http://foo'],
        [0x43, '<HWTYP>.bak'],
      ],
    );
  });

  it('refuses truncated sub-options and oversized values', () => {
    assert.equal(decodeSuboptions(Buffer.from([0x42, 0x0b, 0x68])).ok, false);
    assert.equal(encodeSuboptions([{ code: 1, text: 'x'.repeat(255) }], true).ok, false);
    assert.equal(encodeValue({ kind: 'text', text: 'x'.repeat(256) }).ok, false);
    assert.equal(encodeSuboptions([{ code: 0, text: 'x' }], false).ok, false);
  });

  it('skips pad and stops at end inside sub-options', () => {
    const subs = decodeSuboptions(Buffer.from([0, 0x42, 1, 0x41, 255, 0x43, 1, 0x42]));
    assert.ok(subs.ok);
    assert.deepEqual(
      subs.value.map((s) => s.code),
      [0x42],
    );
  });

  it('reads an options field, joining split instances (RFC 3396), and writes it back', () => {
    const long = Buffer.alloc(300, 0x61);
    const written = encodeOptionList(new Map([[114, long]]));
    // 255 + 45 bytes in two instances, then end.
    assert.equal(written.length, 2 + 255 + 2 + 45 + 1);
    const read = decodeOptionList(written);
    assert.ok(read.ok);
    assert.deepEqual(read.value.get(114), long);
    assert.equal(decodeOptionList(Buffer.from([66, 10, 0x61])).ok, false);
  });

  it('takes values as text, colon hex (as captures show bytes), hex: or 0x', () => {
    const text = parseOptionValue('tftp://192.168.2.45/$input.xml');
    assert.ok(text.ok);
    assert.equal(text.value.toString(), 'tftp://192.168.2.45/$input.xml');
    // Seed 004's capture shows option 43 as hex: "tftp://…".
    const hex = parseOptionValue('hex:746674703a2f2f');
    assert.ok(hex.ok);
    assert.equal(hex.value.toString(), 'tftp://');
    const ox = parseOptionValue('0x746674');
    assert.ok(ox.ok);
    assert.equal(ox.value.toString(), 'tft');
    const forced = parseOptionValue('text:10:20');
    assert.ok(forced.ok);
    assert.equal(forced.value.toString(), '10:20');
    assert.equal(parseOptionValue('hex:7g').ok, false);
  });

  it('parses --option CODE=VALUE and joins a repeated code', () => {
    const one = parseOptionArgument('66=10.0.0.5');
    assert.ok(one.ok);
    assert.equal(one.value.code, 66);
    for (const bad of ['66', '0=x', '255=x', 'x=1', '=1'])
      assert.equal(parseOptionArgument(bad).ok, false, bad);
    const joined = parseOptionArguments(['114=http://a', '114=/b']);
    assert.ok(joined.ok);
    assert.equal(joined.value.get(114)!.toString(), 'http://a/b');
  });

  it('matches option 60 by prefix, as every generated snippet does', () => {
    assert.ok(vendorClassMatches('Gigaset_N720_DM_PRO', 'Gigaset'));
    assert.ok(vendorClassMatches(Buffer.from('yealink\0'), 'yealink'));
    assert.ok(!vendorClassMatches('MyGigaset', 'Gigaset'));
    assert.ok(!vendorClassMatches('gigaset', 'Gigaset'));
    assert.ok(!vendorClassMatches('anything', ''));
  });

  it('matches MAC prefixes in any notation', () => {
    const oui = parseMacPrefix('7C:2F:80');
    assert.ok(oui.ok);
    assert.equal(oui.value, '7c2f80');
    assert.ok(macMatchesPrefix('7c:2f:80:12:34:56', oui.value));
    assert.equal(parseMacPrefix('7c2f8').ok, false);
  });

  it('knows the custom range and joins URL parts with one slash', () => {
    assert.ok(isCustomCode(128) && isCustomCode(254));
    assert.ok(!isCustomCode(127) && !isCustomCode(255) && !isCustomCode(150.5));
    assert.equal(
      joinUrl('http://prov.server.com', 'prov.py?mac=<MACADR>'),
      'http://prov.server.com/prov.py?mac=<MACADR>',
    );
    assert.equal(joinUrl('http://foo/', 'x'), 'http://foo/x');
    assert.equal(joinUrl('http://foo', '/x'), 'http://foo/x');
    assert.equal(joinUrl('http://foo', ''), 'http://foo');
  });
});
