import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  MAX_FILE_CHARS,
  isCfgKey,
  parseBoot,
  parseCfg,
  renderBoot,
  renderCfg,
} from '../../src/formats/cfg.ts';

/** A family's first line, as its driver passes it. */
const VERSION_LINE = '#!version:1.0.0.1';
const FIRST = { firstLine: VERSION_LINE };

test('renderCfg writes the first line it is given, then key=value lines ending in LF', () => {
  const text = renderCfg(
    [
      { key: 'local_time.time_zone', value: '+8' },
      { key: 'account.1.label', value: '' },
    ],
    FIRST,
  );
  assert.equal(text, `${VERSION_LINE}\nlocal_time.time_zone=+8\naccount.1.label=\n`);
});

test('renderCfg can leave out the version line and writes comments after it', () => {
  assert.equal(renderCfg([{ key: 'a', value: '1' }]), 'a=1\n');
  assert.equal(
    renderCfg([{ key: 'a', value: '1' }], {
      ...FIRST,
      comments: ['made by plugndial', 'two\nlines'],
    }),
    `${VERSION_LINE}\n# made by plugndial\n# two\n# lines\na=1\n`,
  );
});

test('renderCfg never lets a value or a key start a new line', () => {
  const text = renderCfg(
    [
      { key: 'account.1.label', value: 'evil\r\naccount.1.password=x' },
      { key: 'bad\nkey', value: '1' },
      { key: 'has=equals', value: '1' },
      { key: '#comment', value: '1' },
      { key: '', value: '1' },
    ],
    FIRST,
  );
  assert.equal(text, `${VERSION_LINE}\naccount.1.label=evilaccount.1.password=x\n`);
  assert.equal(text.split('\n').length, 3);
});

test('isCfgKey accepts dotted vendor keys and refuses what the format cannot carry', () => {
  for (const key of [
    'account.1.sip_server.1.address',
    'static.auto_provision.aes_key.com',
    'lang.gui',
  ]) {
    assert.ok(isCfgKey(key), key);
  }
  for (const key of ['', 'a b', 'a=b', '#a', 'a\tb', 'a\u0000b', 'x'.repeat(300)]) {
    assert.equal(isCfgKey(key), false, JSON.stringify(key));
  }
});

test('parseCfg skips comments and blank lines, accepts CRLF, trims and reads %NULL% as empty', () => {
  const parsed = parseCfg(
    '#!version:1.0.0.1\r\n##Time Zone ranges from -11 to +14.\r\n  local_time.time_zone = +8 \r\n\r\n' +
      'account.1.label=%NULL%\r\nauto_provision.server.url=\r\nlocal_contact.data.url=http://10.20.0.92/a=b.xml\r\n',
    { emptyValue: '%NULL%' },
  );
  assert.ok(parsed.ok);
  assert.deepEqual(
    [...parsed.value],
    [
      ['local_time.time_zone', '+8'],
      ['account.1.label', ''],
      ['auto_provision.server.url', ''],
      ['local_contact.data.url', 'http://10.20.0.92/a=b.xml'],
    ],
  );
});

test('parseCfg: a later duplicate wins', () => {
  const parsed = parseCfg('a=1\nb=2\na=3\n');
  assert.ok(parsed.ok);
  assert.equal(parsed.value.get('a'), '3');
  assert.equal(parsed.value.size, 2);
});

test('parseCfg ignores a byte order mark and a file without a final newline', () => {
  const parsed = parseCfg('\uFEFFa=1');
  assert.ok(parsed.ok);
  assert.deepEqual([...parsed.value], [['a', '1']]);
});

test('parseCfg returns a typed error with the line number for a line that is not key=value', () => {
  for (const [text, line] of [
    ['a=1\nnot a setting\n', 2],
    ['=1\n', 1],
    ['a b=1\n', 1],
  ] as const) {
    const parsed = parseCfg(text);
    assert.equal(parsed.ok, false, text);
    if (!parsed.ok) {
      assert.equal(parsed.error.code, 'PND_INVALID_CFG');
      assert.equal(parsed.error.details?.['line'], line);
    }
  }
});

test('parseCfg and parseBoot refuse oversized input instead of working through it', () => {
  const big = 'a=1\n'.repeat(MAX_FILE_CHARS / 4 + 1);
  const cfg = parseCfg(big);
  assert.equal(cfg.ok, false);
  const boot = parseBoot(big);
  assert.equal(boot.ok, false);
  if (!boot.ok) assert.equal(boot.error.code, 'PND_INVALID_BOOT');
});

test('renderCfg and parseCfg round-trip', () => {
  const entries = [
    { key: 'account.1.password', value: 'p#ss=word' },
    { key: 'account.1.label', value: '' },
  ];
  const parsed = parseCfg(renderCfg(entries));
  assert.ok(parsed.ok);
  assert.deepEqual(Object.fromEntries(parsed.value), {
    'account.1.password': 'p#ss=word',
    'account.1.label': '',
  });
});

test('renderBoot writes one quoted include per line, then overwrite_mode when asked', () => {
  assert.equal(
    renderBoot(['y000000000000.cfg', '0021f2000001.cfg'], FIRST),
    `${VERSION_LINE}\ninclude:config "y000000000000.cfg"\ninclude:config "0021f2000001.cfg"\n`,
  );
  assert.equal(
    renderBoot(['y000000000000.cfg'], { ...FIRST, overwriteMode: true }),
    `${VERSION_LINE}\ninclude:config "y000000000000.cfg"\noverwrite_mode = 1\n`,
  );
});

test('renderBoot cannot be made to write a second line or break the quoting', () => {
  const text = renderBoot(['a.cfg"\ninclude:config "evil.cfg', ''], FIRST);
  assert.equal(text, `${VERSION_LINE}\ninclude:config "a.cfginclude:config evil.cfg"\n`);
});

test('parseBoot reads both include forms of seed 001, comments and whitespace', () => {
  const parsed = parseBoot(
    '#!version:1.0.0.1\n# common boot file\n\n  include:config <time.cfg>  \r\ninclude:config "xxx.cfg"\n' +
      'include:config   "HTTP Directory/sip.cfg"\n',
  );
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value, {
    includes: ['time.cfg', 'xxx.cfg', 'HTTP Directory/sip.cfg'],
    overwriteMode: false,
  });
});

test('parseBoot reads overwrite_mode and skips other settings of the boot file', () => {
  const parsed = parseBoot(
    'include:config "a.cfg"\noverwrite_mode = 1\nspecific_model.excluded_mode=0\n',
  );
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value, { includes: ['a.cfg'], overwriteMode: true });
});

test('parseBoot returns typed errors for lines it cannot read', () => {
  for (const [text, line] of [
    ['include:config <a.cfg\n', 1],
    ['include:config\n', 1],
    ['include:config <>\n', 1],
    ['include:config "a.cfg"\ninclude:config a.cfg\n', 2],
    ['overwrite_mode = yes\n', 1],
    ['hello\n', 1],
  ] as const) {
    const parsed = parseBoot(text);
    assert.equal(parsed.ok, false, text);
    if (!parsed.ok) {
      assert.equal(parsed.error.code, 'PND_INVALID_BOOT');
      assert.equal(parsed.error.details?.['line'], line, text);
    }
  }
});

test('renderBoot and parseBoot round-trip', () => {
  const includes = ['y000000000000.cfg', 'http://10.20.0.92/mac.cfg', 'HTTP Directory/sip.cfg'];
  const parsed = parseBoot(renderBoot(includes, { overwriteMode: true }));
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value, { includes, overwriteMode: true });
});

test('renderBoot leaves out a blank include, which parseBoot would refuse with the whole file', () => {
  // Found by the boot-roundtrip fuzz target: `include:config " "` was written.
  const text = renderBoot(['a.cfg', ' ', '\t', '"<>', 'b.cfg']);
  assert.equal(text, 'include:config "a.cfg"\ninclude:config "b.cfg"\n');
  assert.deepEqual(parseBoot(text), {
    ok: true,
    value: { includes: ['a.cfg', 'b.cfg'], overwriteMode: false },
  });
});
