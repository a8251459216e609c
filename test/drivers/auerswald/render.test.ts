import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseXml, writeXml, xmlElement } from '../../../src/formats/xml.ts';
import { auerswaldDriver } from '../../../src/drivers/auerswald/index.ts';
import { substituteMarkers } from '../../../src/drivers/auerswald/markers.ts';
import { operationsDocument, readOperations } from '../../../src/drivers/auerswald/operations.ts';
import { referencesDocument, resolveReference } from '../../../src/drivers/auerswald/references.ts';
import type { Settings } from '../../../src/model/settings.ts';
import { MAC, context, golden, recognised, renderText } from './helpers.ts';

const DESK: Settings = {
  'accounts.1.user': '1001',
  'accounts.1.password': 's3cret',
  'accounts.1.display_name': 'Reception <1>',
  'accounts.1.registrar': 'pbx.example.com',
  'accounts.1.registrar_port': 5060,
  'accounts.3.user': '1003',
  'accounts.3.enabled': false,
  'accounts.3.registrar': 'pbx.example.com',
  'native.auerswald.telephony/callWaiting/active': 'true',
  'provisioning.layout': 'chain',
  'provisioning.remove_unset': true,
};

const SEED_OPERATIONS = [
  { kind: 'delete' as const, path: "/templates/template[@name='Test']" },
  {
    kind: 'replace' as const,
    path: "/keys/phoneXtensions/key[@keyNumber='3']/parameters/parameter[@name='@string/identity']",
    content: [xmlElement('parameter', { name: '@string/identity', value: '3' })],
  },
  {
    kind: 'add' as const,
    path: "/keys/phoneXtensions/key[@keyNumber='3']/parameters/",
    content: [xmlElement('parameter', { name: '@string/foo', value: 'bar' })],
  },
];

test('golden: seed 003 reference file, its four URL forms', () => {
  const root = referencesDocument([
    'first_file.xml',
    '/second_file.xml',
    'http://another.server.com/third_file.xml',
    'prov.py?mac=<MACADR>',
  ]);
  assert.equal(writeXml(root), golden('seed-references.xml'));
});

test("seed 003's URL resolution: same directory, same host, as is; markers filled in first", () => {
  const from = 'http://prov.server.com/prov/references.xml';
  const markers = { mac: '00095200000E', serial: '123412341234', type: 'D100' };
  const resolve = (url: string): string | undefined =>
    resolveReference(substituteMarkers(url, markers), from);
  assert.equal(resolve('first_file.xml'), 'http://prov.server.com/prov/first_file.xml');
  assert.equal(resolve('/second_file.xml'), 'http://prov.server.com/second_file.xml');
  assert.equal(
    resolve('http://another.server.com/third_file.xml'),
    'http://another.server.com/third_file.xml',
  );
  // The seed's example shows http://prov.server.com/prov.py?…, against its own first rule
  // ("a simple file is taken from the reference file's directory"); the rule is followed.
  assert.equal(
    resolve('prov.py?mac=<MACADR>'),
    'http://prov.server.com/prov/prov.py?mac=00095200000E',
  );
  assert.equal(
    resolveReference('first.xml', 'tftp://10.0.0.5/a/b.xml'),
    'tftp://10.0.0.5/a/first.xml',
  );
  assert.equal(resolveReference('', from), undefined);
  assert.equal(resolveReference('a b.xml', from), undefined);
});

test("seed 003's marker example: <MACADR>, <SERIAL>, <HWTYP> and their {} forms", () => {
  const markers = { mac: '00095200000E', serial: '123412341234', type: 'D100' };
  const expected = 'http://prov.server.com/prov.py?mac=00095200000E&sn=123412341234&hw=D100';
  assert.equal(
    substituteMarkers(
      'http://prov.server.com/prov.py?mac=<MACADR>&sn=<SERIAL>&hw=<HWTYP>',
      markers,
    ),
    expected,
  );
  assert.equal(
    substituteMarkers('http://prov.server.com/prov.py?mac={mac}&sn={serial}&hw={type}', markers),
    expected,
  );
});

test('golden: seed 003 operations file (delete, replace, add)', () => {
  assert.equal(writeXml(operationsDocument(SEED_OPERATIONS)), golden('seed-operations.xml'));
  const raw = parseXml(golden('seed-operations.raw.xml'));
  assert.ok(raw.ok);
  const read = readOperations(raw.value.children[0]!);
  assert.equal(writeXml(operationsDocument(read)), golden('seed-operations.xml'));
});

test("golden: a device's entry reference file, its settings patch and its operations", () => {
  assert.equal(renderText(`${MAC.toUpperCase()}.xml`, DESK), golden('00095200000E-entry.xml'));
  assert.equal(
    renderText(`${MAC.toUpperCase()}/settings.xml`, DESK),
    golden('00095200000E-settings.xml'),
  );
  assert.equal(
    renderText(`${MAC.toUpperCase()}/operations.xml`, DESK),
    golden('00095200000E-operations.xml'),
  );
});

test('golden: the common file carries the defaults and the default profile, for any phone', () => {
  const common = { 'native.auerswald.telephony/callWaiting/active': 'false' };
  assert.equal(
    renderText('auerswald-common.xml', common, { withDevice: false }),
    golden('auerswald-common.xml'),
  );
});

test('the single layout: the entry is the settings patch itself; no references, no operations', () => {
  const single = { ...DESK, 'provisioning.layout': 'single' };
  assert.equal(renderText(`${MAC}.xml`, single), golden('00095200000E-settings.xml'));
  assert.equal(renderText(`${MAC}/operations.xml`, single), undefined);
  assert.equal(renderText(`${MAC}/settings.xml`, single), undefined);
});

test('nothing to clear, or clearing turned off: no operations file, and the entry does not name one', () => {
  const off = { ...DESK, 'provisioning.remove_unset': false };
  assert.equal(renderText(`${MAC}/operations.xml`, off), undefined);
  assert.doesNotMatch(renderText(`${MAC}.xml`, off)!, /operations\.xml/);
  const full: Settings = {};
  for (let n = 1; n <= 6; n++) full[`accounts.${n}.user`] = `10${n}`;
  assert.equal(renderText(`${MAC}/operations.xml`, full), undefined);
});

test('over TFTP the entry names files without a query (TFTP has none)', () => {
  const text = renderText(`${MAC}.xml`, DESK, { baseUrl: 'tftp://10.0.0.5/auerswald/' })!;
  assert.match(text, /<URL>\/auerswald\/\{mac\}\/settings\.xml<\/URL>/);
});

test('explain: the leaves and where each came from; what the dialect cannot say', () => {
  const explained = auerswaldDriver.explain(
    recognised(`auerswald/${MAC}/settings.xml`),
    context({ ...DESK, 'accounts.1.outbound_proxy': 'sbc.example.com' }),
  )!;
  assert.equal(explained.file, '00095200000E/settings.xml');
  assert.deepEqual(explained.entries[1], {
    key: 'identities/identity[1]/username',
    value: '1001',
    from: 'accounts.1.user',
  });
  assert.deepEqual(explained.ignored, ['accounts.1.outbound_proxy']);
});

test('the URL a phone wants: markers for the phone to fill in', () => {
  assert.equal(
    auerswaldDriver.provisioningUrl!({ http: 'http://10.0.0.5:8080' }),
    'http://10.0.0.5:8080/auerswald/{mac}.xml?sn={serial}&hw={type}',
  );
  assert.equal(auerswaldDriver.provisioningUrl!({}), undefined);
});
