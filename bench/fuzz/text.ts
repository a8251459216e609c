// Fuzz targets for text an operator or a phone hands in: XML and CWMP SOAP, CSV, settings,
// MAC addresses, User-Agents and request paths.

import fc from 'fast-check';

import { drivers } from '../../src/drivers/registry.ts';
import { parseCsv, parseCsvRows, renderCsv } from '../../src/formats/csv.ts';
import { parseXml, writeXml, xmlElement, type XmlElement } from '../../src/formats/xml.ts';
import { findMac, formatMac, isMac, parseMac, readMac, type Mac } from '../../src/model/mac.ts';
import {
  parseAssignment,
  parseSetting,
  SETTINGS_SCHEMA,
  validateSettings,
} from '../../src/model/settings.ts';
import { normalisePath } from '../../src/provisioning/path.ts';
import {
  CWMP_NAMESPACES,
  parseEnvelope,
  readFault,
  readInform,
  readTransferComplete,
  writeEnvelope,
} from '../../src/tr069/soap.ts';
import { anyString, check, equal, mutatedText, pieces, target } from './engine.ts';
import { CSV_FILES, PATHS, SOAP_ENVELOPES, USER_AGENTS, XML_FILES } from './seeds.ts';

const XML_WORDS = [
  '<a>',
  '</a>',
  '<a/>',
  '<b x="1">',
  '</b>',
  '&lt;',
  '&#65;',
  '&#x1F600;',
  '<![CDATA[x]]>',
  '<!-- c -->',
  '<?xml version="1.0"?>',
  '="',
  "='",
  ' xmlns:cwmp="urn:dslforum-org:cwmp-1-0"',
];

const xmlStructured = pieces(XML_WORDS, 20);

const xmlParse = target({
  name: 'xml',
  contract: 'Result PND_INVALID_XML',
  input: fc.oneof(xmlStructured, mutatedText(XML_FILES, XML_WORDS), anyString(200)),
  run(text: string) {
    const parsed = parseXml(text);
    if (parsed.ok) writeXml(parsed.value);
  },
});

const elementName = fc
  .tuple(
    fc.constantFrom('a', 'B', '_', 'cwmp:ID', 'x.y-z'),
    fc.string({ unit: fc.constantFrom('a', '1', '_', '.', '-', ':'), maxLength: 6 }),
  )
  .map(([head, tail]) => head + tail);

const xmlTree: fc.Arbitrary<XmlElement> = fc.letrec<{ element: XmlElement }>((tie) => ({
  element: fc
    .tuple(
      elementName,
      fc.dictionary(elementName, fc.string({ unit: 'grapheme', maxLength: 12 }), { maxKeys: 3 }),
      fc.oneof(
        { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
        { weight: 1, arbitrary: fc.array(tie('element'), { maxLength: 3 }) },
      ),
    )
    .map(([name, attributes, content]) => xmlElement(name, attributes, content)),
})).element;

/** What the reader gives back for a written element: control characters dropped, no blanks between children. */
function expectedXml(element: XmlElement): unknown {
  return {
    name: element.name,
    attributes: Object.fromEntries(
      Object.entries(element.attributes).map(([k, v]) => [k, xmlClean(v)]),
    ),
    children: element.children.map(expectedXml),
    text: element.children.length === 0 ? xmlClean(element.text) : '',
  };
}

function xmlClean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g, '');
}

function readBack(element: XmlElement): unknown {
  return {
    name: element.name,
    attributes: element.attributes,
    children: element.children.map(readBack),
    text: element.children.length === 0 ? element.text : element.text.trim(),
  };
}

const xmlRoundTrip = target({
  name: 'xml-roundtrip',
  contract: 'writeXml → parseXml gives the tree back',
  input: xmlTree,
  run(tree) {
    const parsed = parseXml(writeXml(tree));
    check(parsed.ok, `parse of written XML: ${parsed.ok ? '' : parsed.error.message}`);
    if (parsed.ok) equal(parsed.value.children.map(readBack), [expectedXml(tree)], 'tree');
  },
});

function readSoap(text: string): void {
  const envelope = parseEnvelope(text);
  if (!envelope.ok || !envelope.value.body) return;
  readInform(envelope.value.body);
  readTransferComplete(envelope.value.body);
  readFault(envelope.value.body);
}

const soap = target({
  name: 'soap',
  contract: 'Result PND_INVALID_XML',
  input: fc.oneof(
    mutatedText(SOAP_ENVELOPES, XML_WORDS),
    xmlStructured.map((x) => SOAP_ENVELOPES[0]!.replace('<MaxEnvelopes>1', `<MaxEnvelopes>${x}`)),
  ),
  run: readSoap,
});

const soapRoundTrip = target({
  name: 'soap-roundtrip',
  contract: 'writeEnvelope → parseEnvelope gives namespace, ID and method back',
  input: fc.tuple(
    fc.constantFrom(...CWMP_NAMESPACES),
    fc.option(fc.string({ unit: 'grapheme', maxLength: 140 }), { nil: undefined }),
    xmlTree,
  ),
  run([namespace, id, body]) {
    const parsed = parseEnvelope(writeEnvelope(namespace, id, body));
    check(parsed.ok, 'parse of a written envelope');
    if (!parsed.ok) return;
    const wantId = id === undefined ? undefined : xmlClean(id).trim().slice(0, 128) || undefined;
    const method = body.name.includes(':')
      ? body.name.slice(body.name.indexOf(':') + 1)
      : body.name;
    equal(
      [parsed.value.namespace, parsed.value.id, parsed.value.method],
      [namespace, wantId, method],
      'envelope',
    );
  },
});

// ---- CSV -----------------------------------------------------------------------------------

const CSV_WORDS = ['"', '""', ',', '\r\n', '\n', '\r', '\ufeff', 'a'];

const csv = target({
  name: 'csv',
  contract: 'Result PND_INVALID_CSV',
  input: fc.oneof(pieces(CSV_WORDS, 30), mutatedText(CSV_FILES, CSV_WORDS), anyString(200)),
  run(text: string) {
    const rows = parseCsvRows(text, 1000);
    if (!rows.ok) return;
    let last = 0;
    for (const row of rows.value) {
      check(row.line > last, `line ${row.line} after ${last}`);
      last = row.line;
    }
  },
});

const csvCell = fc.oneof(
  fc.string({
    unit: fc.constantFrom('a', ' ', '"', ',', '\r', '\n', '\r\n', 'é', '\ufeff'),
    maxLength: 8,
  }),
  anyString(10),
);

const csvRoundTrip = target({
  name: 'csv-roundtrip',
  contract: 'renderCsv → parseCsv gives the rows back',
  input: fc.array(fc.array(csvCell, { minLength: 1, maxLength: 6 }), { maxLength: 8 }),
  run(rows) {
    // A row of one empty cell is a blank line, which readers skip; a BOM opening the file is dropped.
    const kept = rows.filter((row) => !(row.length === 1 && row[0] === ''));
    const text = renderCsv(kept);
    const parsed = parseCsv(text.startsWith('\ufeff') ? `\ufeff${text}` : text);
    equal(parsed, { ok: true, value: kept }, 'rows');
  },
});

// ---- Settings ------------------------------------------------------------------------------

const settingKey = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(...SETTINGS_SCHEMA.map((s) => s.pattern)),
      fc.constantFrom('1', '2', '64', '65', '0', '01', '99'),
    )
    .map(([pattern, n]) => pattern.replace(/(^|\.)N(?=\.|$)/g, `$1${n}`)),
  fc.constantFrom(
    'native.yealink.account.1.label',
    'native.snom.user_name1',
    'native.',
    'toString',
    '__proto__',
    'constructor',
  ),
  anyString(30),
);

/** JSON values as the API's body carries them, with keys that shadow Object.prototype. */
const jsonish: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    {
      weight: 4,
      arbitrary: fc.oneof(
        anyString(40),
        fc.constantFrom(
          'true',
          'off',
          '5060',
          '-1',
          'Europe/Berlin',
          'https://p.example.com/',
          '10.0.0.0/8',
          'a,b,c',
        ),
      ),
    },
    { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    {
      weight: 1,
      arbitrary: fc.dictionary(
        fc.oneof(fc.constantFrom('toString', 'valueOf', '__proto__', 'constructor'), anyString(6)),
        tie('value'),
        { maxKeys: 3 },
      ),
    },
  ),
})).value;

const settings = target({
  name: 'settings',
  contract: 'Result PND_INVALID_SETTING / PND_UNKNOWN_SETTING',
  input: fc.tuple(settingKey, jsonish, anyString(60)),
  run([key, raw, text]) {
    // JSON.parse, as the API reads a body: own properties named like Object.prototype's.
    const value: unknown = JSON.parse(JSON.stringify(raw) ?? 'null');
    parseSetting(key, value);
    validateSettings(JSON.parse(JSON.stringify({ [key]: value })) as Record<string, unknown>);
    parseAssignment(`${key}=${text}`);
    parseAssignment(text);
  },
});

// ---- MAC -----------------------------------------------------------------------------------

const MAC_SEEDS = [
  '00:21:F2:00:00:01',
  '00-21-f2-00-00-01',
  '0021.f200.0001',
  '0021f2000001',
  'SEP0021F2000001.cnf.xml',
];

const mac = target({
  name: 'mac',
  contract: 'Result PND_INVALID_MAC / undefined',
  input: fc.oneof(mutatedText(MAC_SEEDS), anyString(40)),
  run(text: string) {
    const parsed = parseMac(text);
    check(readMac(text) === (parsed.ok ? parsed.value : undefined), 'readMac agrees with parseMac');
    if (parsed.ok) check(isMac(parsed.value), 'canonical form');
    const found = findMac(text);
    if (found !== undefined) check(isMac(found), 'findMac canonical');
  },
});

const macRoundTrip = target({
  name: 'mac-roundtrip',
  contract: 'formatMac → parseMac gives the MAC back',
  input: fc.tuple(
    fc.uint8Array({ minLength: 6, maxLength: 6 }),
    fc.constantFrom(
      'bare' as const,
      'BARE' as const,
      'colon' as const,
      'COLON' as const,
      'dash' as const,
    ),
  ),
  run([bytes, style]) {
    const canonical = Buffer.from(bytes).toString('hex') as Mac;
    const text = formatMac(canonical, style);
    equal(parseMac(text), { ok: true, value: canonical }, `parse ${text}`);
    equal(parseMac(` ${text}\t`), { ok: true, value: canonical }, 'blanks around');
    if (style !== 'dash') equal(findMac(`Vendor X 1.0 ${text}`), canonical, `find in ${text}`);
    const dots = canonical.match(/..../g)!.join('.');
    equal(parseMac(dots), { ok: true, value: canonical }, dots);
  },
});

// ---- User-Agents and paths -----------------------------------------------------------------

const UA_WORDS = [
  'Yealink ',
  'SIP-T',
  'snom',
  '-SIP ',
  'Fanvil ',
  'Gigaset ',
  'Grandstream ',
  'DevId ',
  'Cisco-CP-',
  '3PCC/',
  '(SN:',
  'PolyCCX-',
  'Flyingvoice ',
  'COMfortel ',
  '00:15:65:4a:a9:37',
  '0021f2000001',
  '(',
  ')',
  ';',
  '/',
];

/** A vendor's word, then a run of what agents separate words with, then agent pieces. */
const paddedAgent = fc
  .tuple(
    fc.constantFrom(
      'Yealink',
      'Gigaset',
      'Fanvil',
      'Flyingvoice',
      'FIP14G',
      'Grandstream',
      'Grandstream Model HW',
      'Cisco/SPA',
      'Cisco-CP-',
      'FileTransport',
      'Auerswald',
      'Mozilla/4.0 (compatible; snom',
      'plugndial',
    ),
    fc.constantFrom(' ', '\t', ' -/', ' (', '( ', 'a ', ' 1.1'),
    // Agents are cut at 512 characters before they are read: runs that fill that are the test.
    fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 300, max: 700 })),
    pieces(UA_WORDS, 4),
  )
  .map(([vendor, unit, times, rest]) => `${vendor}${unit.repeat(times)}${rest}`);

const userAgent = target({
  name: 'user-agent',
  contract: 'undefined for a User-Agent the driver does not know',
  input: fc.oneof(
    mutatedText(USER_AGENTS, UA_WORDS),
    pieces(UA_WORDS, 10),
    { weight: 2, arbitrary: paddedAgent },
    anyString(120),
  ),
  run(ua: string) {
    for (const driver of drivers) {
      const facts = driver.parseUserAgent(ua);
      if (facts?.mac !== undefined) check(isMac(facts.mac), `${driver.name}: MAC ${facts.mac}`);
    }
  },
});

// eslint-disable-next-line no-control-regex -- control characters are what a path must not keep
const CONTROL = /[\0-\x1f\x7f]/;

const PATH_WORDS = [
  '/',
  '\\',
  '..',
  '.',
  '%2e',
  '%2f',
  '%5c',
  '%00',
  '%',
  '0021f2000001',
  '.cfg',
  '.xml',
  'prov',
  'firmware',
];

const path = target({
  name: 'path',
  contract: 'undefined for a path never served',
  input: fc.tuple(
    fc.oneof(mutatedText(PATHS, PATH_WORDS), pieces(PATH_WORDS, 16), anyString(80)),
    fc.boolean(),
    fc.boolean(),
    fc.oneof(fc.constant(undefined), fc.constantFrom(...USER_AGENTS)),
  ),
  run([raw, percentEncoded, backslashIsSeparator, ua]) {
    const segments = normalisePath(raw, { percentEncoded, backslashIsSeparator });
    if (segments === undefined) return;
    for (const s of segments) {
      check(
        s !== '' && s !== '.' && s !== '..' && !s.includes('/') && !CONTROL.test(s),
        `segment ${JSON.stringify(s)}`,
      );
      if (!backslashIsSeparator) check(!s.includes('\\'), 'backslash kept');
    }
    for (const transport of ['http', 'tftp'] as const)
      for (const driver of drivers)
        driver.recognise({
          segments,
          query: '',
          transport,
          ...(ua === undefined ? {} : { userAgent: ua }),
        });
  },
});

export const TEXT_TARGETS = [
  xmlParse,
  xmlRoundTrip,
  soap,
  soapRoundTrip,
  csv,
  csvRoundTrip,
  settings,
  mac,
  macRoundTrip,
  userAgent,
  path,
];
