import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseXml, writeXml, xmlElement } from '../../src/formats/xml.ts';

test('writeXml: declaration, two-space indent, text or children, self-closing empties', () => {
  const root = xmlElement('settings', { version: '1.0', note: 'a"b<c' }, [
    xmlElement('param', { name: 'x', value: '1 & 2' }),
    xmlElement('group', {}, [xmlElement('item', {}, 'a<b')]),
    xmlElement('empty'),
  ]);
  assert.equal(
    writeXml(root),
    [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<settings version="1.0" note="a&quot;b&lt;c">',
      '  <param name="x" value="1 &amp; 2"/>',
      '  <group>',
      '    <item>a&lt;b</item>',
      '  </group>',
      '  <empty/>',
      '</settings>',
      '',
    ].join('\n'),
  );
  assert.equal(writeXml(xmlElement('a'), { declaration: false }), '<a/>\n');
});

test('what writeXml writes, parseXml reads back', () => {
  const root = xmlElement('a', { k: 'v\n"w"' }, [xmlElement('b', {}, 'x & <y>')]);
  const parsed = parseXml(writeXml(root));
  assert.ok(parsed.ok);
  const a = parsed.value.children[0]!;
  assert.deepEqual(a.attributes, { k: 'v\n"w"' });
  assert.equal(a.children[0]!.text, 'x & <y>');
});

test('the reader refuses DTDs and entity declarations, deep nesting and huge input', () => {
  for (const evil of [
    '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
    '<!ENTITY x SYSTEM "file:///etc/passwd"><a/>',
    `${'<a>'.repeat(100)}${'</a>'.repeat(100)}`,
    `<a>${'x'.repeat(5 * 1024 * 1024)}</a>`,
  ]) {
    const parsed = parseXml(evil);
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.equal(parsed.error.code, 'PND_INVALID_XML');
  }
  // An entity the reader does not know stays as written: nothing is expanded or fetched.
  const unknown = parseXml('<a>&ext;</a>');
  assert.ok(unknown.ok);
  assert.equal(unknown.value.children[0]!.text, '&ext;');
});
