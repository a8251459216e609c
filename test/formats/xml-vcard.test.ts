import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseCsv, renderCsv } from '../../src/formats/csv.ts';
import { renderVcards } from '../../src/formats/vcard.ts';
import {
  elementName,
  emptyElement,
  escapeText,
  findElement,
  parseXml,
  textElement,
} from '../../src/formats/xml.ts';

test('XML text and attributes are escaped; characters XML cannot carry are dropped', () => {
  assert.equal(escapeText('a<b>&c'), 'a&lt;b&gt;&amp;c');
  assert.equal(textElement('Name', 'Tom & "Jerry"\u0001'), '<Name>Tom &amp; "Jerry"</Name>');
  assert.equal(
    emptyElement('contact', [
      ['display_name', 'a"b'],
      ['office_number', '1\n2'],
    ]),
    '<contact display_name="a&quot;b" office_number="1&#10;2"/>',
  );
  assert.equal(elementName('Auto Image Url'), 'Auto_Image_Url');
  assert.equal(elementName('1x'), '_1x');
});

test('the reader takes documents and root-less fragments, attributes and entities', () => {
  const parsed = parseXml(
    '<?xml version="1.0"?>\n<!-- c --><a x="1" y=\'&amp;\'><b>t&lt;1</b><c/></a><d>2</d>',
  );
  assert.ok(parsed.ok);
  const root = parsed.value;
  assert.deepEqual(
    root.children.map((c) => c.name),
    ['a', 'd'],
  );
  assert.deepEqual(root.children[0]!.attributes, { x: '1', y: '&' });
  assert.equal(findElement(root, 'b')?.text, 't<1');
  assert.ok(findElement(root, 'c'));
  assert.equal(findElement(root, 'd')?.text, '2');
});

test('a tag may pad its name and attributes with any whitespace, or run attributes together', () => {
  const parsed = parseXml('<a\n\tx = "1"y=\'2\'\u00a0 ></a><b z="&#x41;&gt;" /><c\n/>');
  assert.ok(parsed.ok);
  const [a, b, c] = parsed.value.children;
  assert.deepEqual(a, { name: 'a', attributes: { x: '1', y: '2' }, children: [], text: '' });
  assert.deepEqual(b?.attributes, { z: 'A>' });
  assert.equal(c?.name, 'c');
  // Text without an entity is kept as it is, whitespace and all.
  const spaced = parseXml('<t> a  b\r\n</t>');
  assert.ok(spaced.ok);
  assert.equal(spaced.value.children[0]!.text, ' a  b\r\n');
  for (const bad of ['< >', '<a x="1" y>', '<ab="1">', '<a x="1"/ >', '<1a/>']) {
    assert.equal(parseXml(bad).ok, false, bad);
  }
});

test('the reader refuses malformed input with a typed error, never throws', () => {
  for (const bad of ['<a>', '<a></b>', '<a', '</a>', '<!DOCTYPE x><a/>', '<a b=1/>', '<a><!-- x']) {
    const parsed = parseXml(bad);
    assert.equal(parsed.ok, false, bad);
    if (!parsed.ok) assert.equal(parsed.error.code, 'PND_INVALID_XML');
  }
  const deep = '<a>'.repeat(100) + '</a>'.repeat(100);
  assert.equal(parseXml(deep).ok, false);
});

test('a malformed tag is named in the error, never quoted with its attributes', () => {
  // Found by the phone-script fuzz target: the excerpt carried a password into simulate's steps.
  for (const bad of [
    '<item name="admin_password" value="hunter2>x</item>',
    '<nvm url=ftp://u:hunter2@10.0.0.1/fw.bin/>',
    '<a></b password="hunter2">',
  ]) {
    const parsed = parseXml(bad);
    assert.equal(parsed.ok, false, bad);
    if (!parsed.ok) assert.doesNotMatch(parsed.error.message, /hunter2/, bad);
  }
  const named = parseXml('<item name="x" value="y>z</item>');
  assert.ok(!named.ok && named.error.message.includes('<item'), 'the tag is still named');
});

test('vCard 3.0: CRLF, escaped values, folded long lines', () => {
  const text = renderVcards([
    {
      name: 'Doe, John; Jr',
      phones: [
        { type: 'work', number: '1001' },
        { type: 'cell', number: '+49 170 1234567' },
      ],
      categories: ['Sales'],
    },
    { name: 'X'.repeat(100), phones: [] },
  ]);
  const lines = text.split('\r\n');
  assert.deepEqual(lines.slice(0, 8), [
    'BEGIN:VCARD',
    'VERSION:3.0',
    'FN:Doe\\, John\\; Jr',
    'N:Doe\\, John\\; Jr;;;;',
    'TEL;TYPE=work:1001',
    'TEL;TYPE=cell:+49 170 1234567',
    'CATEGORIES:Sales',
    'END:VCARD',
  ]);
  assert.ok(lines.every((line) => Buffer.byteLength(line) <= 75));
  assert.match(text, /\r\n X/);
  assert.ok(text.endsWith('END:VCARD\r\n'));
});

test('CSV rows render with quoting and read back the same', () => {
  const rows = [
    ['Name', 'Telephone'],
    ['Doe, John', '1001'],
    ['Say "hi"', 'a\nb'],
  ];
  const text = renderCsv(rows);
  assert.equal(text.split('\r\n')[1], '"Doe, John",1001');
  const parsed = parseCsv(text);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value, rows);
});

test("an entity named after Object's own properties is no entity: its text is kept as written", () => {
  const parsed = parseXml('<a>&constructor;&toString;&__proto__;&amp;</a>');
  assert.ok(parsed.ok);
  assert.equal(findElement(parsed.value, 'a')?.text, '&constructor;&toString;&__proto__;&');
});
