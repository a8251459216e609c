// Round trips of every file format that has both a writer (what the server renders) and a
// reader (what the phone emulation parses): written values read back as the phone sees them.
// Values are what settings may hold: one line, no NUL (src/model/settings.ts refuses the rest).

import fc from 'fast-check';

import { operationsDocument, readOperations } from '../../src/drivers/auerswald/operations.ts';
import { parseFlatProfile, renderFlatProfile } from '../../src/drivers/cisco/format.ts';
import {
  contentVersion,
  parseConfig,
  renderText,
  renderXml as renderFanvilXml,
} from '../../src/drivers/fanvil/format.ts';
import { decodeBinary, encodeBinary } from '../../src/drivers/grandstream/binary.ts';
import { parseGsXml, renderXml as renderGsXml } from '../../src/drivers/grandstream/format.ts';
import {
  parseAnswer,
  parsePlain,
  renderEncrypted,
  renderManifest,
  renderPlain,
  renderXmlFragment,
} from '../../src/drivers/oem/format.ts';
import { configFile, masterFile, readMaster, readParams } from '../../src/drivers/poly/format.ts';
import { isCfgKey, parseBoot, parseCfg, renderBoot, renderCfg } from '../../src/formats/cfg.ts';
import { parseXml, writeXml, xmlElement } from '../../src/formats/xml.ts';
import type { Mac } from '../../src/model/mac.ts';
import { anyString, check, equal, target } from './engine.ts';

/** What a setting's value may be: any text on one line, lone surrogates and U+2028 included. */
const value = fc
  .oneof(
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    anyString(20),
    fc.constantFrom('', ' ', ' a b ', '"', '\\', '&amp;', '<x>', '=', '#', '%', '\u2028', '\ufeff'),
  )
  // What settings refuse.
  .map((s) => s.replace(/[\r\n\0]/g, ''));

/** What the XML writers drop: characters XML 1.0 cannot carry. */
function xmlClean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g, '');
}

const word = (first: string, rest: string, maxLength = 12): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.constantFrom(...first),
      fc.string({ unit: fc.constantFrom(...rest), maxLength: maxLength - 1 }),
    )
    .map(([a, b]) => a + b);

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const NAME = `${LETTERS}0123456789_`;

/** Later entries win, in the reader's map. */
function lastWins(entries: readonly [string, string][]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of entries) {
    out.delete(k);
    out.set(k, v);
  }
  return out;
}

const sorted = (map: Map<string, string>): [string, string][] =>
  [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

// ---- key=value cfg and boot files (formats/cfg.ts) ------------------------------------------

const cfgKey = fc.oneof(
  { weight: 4, arbitrary: word(LETTERS, `${NAME}.-#`, 24) },
  { weight: 1, arbitrary: anyString(10) },
);

const cfgRoundTrip = target({
  name: 'cfg-roundtrip',
  contract: 'renderCfg → parseCfg gives the entries back',
  input: fc.record({
    entries: fc.array(fc.tuple(cfgKey, value), { maxLength: 10 }),
    firstLine: fc.constantFrom(undefined, '#!version:1.0.0.1'),
    comments: fc.array(anyString(20), { maxLength: 2 }),
    emptyValue: fc.constantFrom(undefined, '%NULL%'),
  }),
  run(input) {
    const text = renderCfg(
      input.entries.map(([key, v]) => ({ key, value: v })),
      {
        ...(input.firstLine === undefined ? {} : { firstLine: input.firstLine }),
        comments: input.comments,
      },
    );
    const parsed = parseCfg(
      text,
      input.emptyValue === undefined ? {} : { emptyValue: input.emptyValue },
    );
    const want = new Map<string, string>();
    for (const [key, v] of input.entries) {
      if (!isCfgKey(key)) continue;
      const read = v.trim();
      want.set(key, read === input.emptyValue ? '' : read);
    }
    check(parsed.ok, `parse of a rendered cfg: ${parsed.ok ? '' : parsed.error.message}`);
    if (parsed.ok) equal(sorted(parsed.value), sorted(want), 'entries');
  },
});

const bootRoundTrip = target({
  name: 'boot-roundtrip',
  contract: 'renderBoot → parseBoot gives the includes back',
  input: fc.record({
    includes: fc.array(
      fc.oneof(
        fc.constantFrom('y000000000000.cfg', '0021f2000001.cfg', 'http://10.0.0.1/a b.cfg'),
        value,
      ),
      { maxLength: 6 },
    ),
    overwriteMode: fc.boolean(),
  }),
  run(input) {
    const parsed = parseBoot(
      renderBoot(input.includes, {
        firstLine: '#!version:1.0.0.1',
        overwriteMode: input.overwriteMode,
      }),
    );
    const want = input.includes
      .map((name) => name.replace(/[\r\n"<>]/g, '').trim())
      .filter((name) => name !== '');
    equal(
      parsed,
      { ok: true, value: { includes: want, overwriteMode: input.overwriteMode } },
      'boot',
    );
  },
});

// ---- Driver formats ------------------------------------------------------------------------

const flatRoundTrip = target({
  name: 'flat-profile-roundtrip',
  contract: 'renderFlatProfile → parseFlatProfile gives the parameters back',
  input: fc.array(fc.tuple(word(`${LETTERS}_`, NAME, 20), value), { maxLength: 10 }),
  run(parameters) {
    const parsed = parseFlatProfile(
      renderFlatProfile(parameters.map(([name, v]) => ({ name, value: v }))),
    );
    const want = lastWins(
      // Only the ends of a value are trimmed: the spaces inside it are the operator's.
      parameters.map(([name, v]) => [name, xmlClean(v).trim()]),
    );
    check(parsed.ok, 'parse of a rendered profile');
    if (parsed.ok) equal(sorted(parsed.value), sorted(want), 'parameters');
  },
});

const gsXmlRoundTrip = target({
  name: 'gs-xml-roundtrip',
  contract: 'renderXml → parseGsXml gives the values back, either form',
  input: fc.record({
    aliases: fc.boolean(),
    mac: fc.option(fc.constant('000b82000001' as Mac), { nil: undefined }),
    values: fc.array(
      fc.tuple(
        fc.oneof(
          fc.nat(9999).map((n) => `P${n}`),
          word(LETTERS, `${NAME}.`, 20),
        ),
        value,
      ),
      { maxLength: 10 },
    ),
  }),
  run(input) {
    const form = input.aliases ? ('aliases' as const) : ('p-values' as const);
    const values = input.values
      .filter(([name]) => input.aliases || /^P\d+$/.test(name))
      .map(([name, v]) => ({ name, value: v }));
    const parsed = parseGsXml(
      renderGsXml(values, { form, ...(input.mac ? { mac: input.mac } : {}) }),
    );
    const want = lastWins(values.map(({ name, value: v }) => [name, xmlClean(v).trim()]));
    check(parsed.ok, 'parse of a rendered file');
    if (!parsed.ok) return;
    equal([parsed.value.form, parsed.value.mac], [form, input.mac], 'form and MAC');
    equal(sorted(parsed.value.values), sorted(want), 'values');
  },
});

const gsBinaryRoundTrip = target({
  name: 'gs-binary-roundtrip',
  contract: 'encodeBinary → decodeBinary gives MAC and P-values back',
  input: fc.tuple(
    fc.uint8Array({ minLength: 6, maxLength: 6 }),
    fc.array(
      fc.tuple(
        fc.nat(9999).map((n) => `P${n}`),
        value,
      ),
      { maxLength: 10 },
    ),
  ),
  run([macBytes, pairs]) {
    const mac = Buffer.from(macBytes).toString('hex') as Mac;
    const decoded = decodeBinary(
      encodeBinary(
        pairs.map(([name, v]) => ({ name, value: v })),
        mac,
      ),
    );
    check(decoded.ok, `decode: ${decoded.ok ? '' : decoded.problem}`);
    if (!decoded.ok) return;
    equal(decoded.mac, mac, 'MAC');
    // A lone surrogate is written as UTF-8 files write it, U+FFFD.
    const want = lastWins(pairs.map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('utf8')]));
    equal(sorted(decoded.values), sorted(want), 'values');
  },
});

const fanvilKey = word(LETTERS, `${NAME} `, 24).map((k) => k.trim());
const fanvilModule = fc.constantFrom(
  'GLOBAL_CONFIG_MODULE',
  'SIP_CONFIG_MODULE',
  'AUTOUPDATE_CONFIG_MODULE',
  'X_MODULE',
);

const fanvilRoundTrip = target({
  name: 'fanvil-roundtrip',
  contract: 'renderText / renderXml → parseConfig gives the values and the version back',
  // One key in one module: a key in two modules would be read in module order, not ours.
  input: fc.tuple(
    fc.boolean(),
    fc.uniqueArray(
      fc.tuple(
        fanvilModule,
        fc.oneof(
          fanvilKey,
          fc
            .tuple(fc.nat(6), fanvilKey)
            // `ID` names a list entry in the XML form: no field of a line is called that.
            .filter(([, k]) => k !== 'ID')
            .map(([n, k]) => `SIP${n} ${k}`),
        ),
        value,
      ),
      { selector: ([, key]) => key.replace(/_/g, ' '), maxLength: 10 },
    ),
  ),
  run([xml, list]) {
    const entries = list.map(([module, key, v]) => ({ module, key, value: v }));
    const text = xml ? renderFanvilXml(entries) : renderText(entries);
    const parsed = parseConfig(text);
    check(parsed.ok, `parse of a rendered file: ${parsed.ok ? '' : parsed.error.message}`);
    if (!parsed.ok) return;
    // The XML form names elements with `_` for spaces, and reads `_` back as a space.
    const read = (key: string): string => (xml ? key.replace(/_/g, ' ') : key);
    const want = lastWins(
      entries.map((e) => [read(e.key), (xml ? xmlClean(e.value) : e.value).trim()]),
    );
    equal(sorted(parsed.value.values), sorted(want), 'values');
    const body = xml
      ? text.slice(text.indexOf('</Digests>\n') + 11, text.lastIndexOf('</VOIP_CONFIG_FILE>'))
      : text.slice(text.indexOf('\r\n\r\n') + 4);
    equal(parsed.value.version, contentVersion(body), 'version');
  },
});

const oemKey = word(`${LETTERS}_`, `${NAME}.-`, 16).filter((k) => k !== 'xml');

const oemRoundTrip = target({
  name: 'oem-roundtrip',
  contract: 'renderPlain / renderXmlFragment / renderEncrypted / renderManifest → parseAnswer',
  input: fc.record({
    lines: fc.array(fc.tuple(oemKey, value), { maxLength: 8 }),
    hex: fc.uint8Array({ minLength: 1, maxLength: 40 }),
    sessionClass: value,
    image: value,
    prom: value,
  }),
  run(input) {
    const lines = input.lines.map(([key, v]) => ({ key, value: v }));
    const plain = parseAnswer(renderPlain(lines));
    check(plain.ok && plain.value.form === 'text', 'plain form');
    if (plain.ok && plain.value.form === 'text')
      equal(sorted(plain.value.values), sorted(lastWins(input.lines)), 'plain');
    if (lines.length > 0) {
      const xml = parseAnswer(renderXmlFragment(lines));
      check(xml.ok && xml.value.form === 'xml', 'XML form');
      if (xml.ok && xml.value.form === 'xml')
        equal(
          sorted(xml.value.values),
          sorted(lastWins(input.lines.map(([k, v]) => [k, xmlClean(v).trim()]))),
          'XML',
        );
    }
    const hex = Buffer.from(input.hex).toString('hex');
    const sessionClass = xmlClean(input.sessionClass).trim();
    equal(
      parseAnswer(renderEncrypted(hex, input.sessionClass)),
      { ok: true, value: { form: 'encrypted', hex, ...(sessionClass ? { sessionClass } : {}) } },
      'encrypted',
    );
    const manifest = parsePlain(renderManifest(input.image, input.prom || undefined));
    const want: [string, string][] = [['Image_file', input.image]];
    if (input.prom) want.push(['Prom_file', input.prom]);
    equal(manifest, { ok: true, value: new Map(want) }, 'manifest');
  },
});

const polyRoundTrip = target({
  name: 'poly-roundtrip',
  contract: 'configFile / masterFile → readParams / readMaster gives the attributes back',
  input: fc.tuple(
    fc.uniqueArray(fc.tuple(word(`${LETTERS}_`, `${NAME}.`, 30), value), {
      selector: ([name]) => name,
      maxLength: 10,
    }),
    fc.array(value, { minLength: 7, maxLength: 7 }),
  ),
  run([params, master]) {
    const parsed = readParams(configFile(params.map(([name, v]) => ({ name, value: v }))));
    equal(parsed, { ok: true, value: new Map(params.map(([k, v]) => [k, xmlClean(v)])) }, 'params');
    const fields = {
      APP_FILE_PATH: master[0]!,
      CONFIG_FILES: master[1]!,
      MISC_FILES: master[2]!,
      LOG_FILE_DIRECTORY: master[3]!,
      OVERRIDES_DIRECTORY: master[4]!,
      CONTACTS_DIRECTORY: master[5]!,
      LICENSE_DIRECTORY: master[6]!,
    };
    equal(
      readMaster(masterFile(fields)),
      {
        ok: true,
        value: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, xmlClean(v)])),
      },
      'master',
    );
  },
});

const operationsRoundTrip = target({
  name: 'operations-roundtrip',
  contract: 'operationsDocument → writeXml → parseXml → readOperations gives the operations back',
  input: fc.array(
    fc.record({
      kind: fc.constantFrom('delete' as const, 'replace' as const, 'add' as const),
      path: value,
      content: fc.array(fc.tuple(word(LETTERS, NAME, 10), value), { maxLength: 3 }),
    }),
    { maxLength: 6 },
  ),
  run(list) {
    const operations = list.map((op) => ({
      kind: op.kind,
      path: op.path,
      content: op.content.map(([name, text]) => xmlElement(name, {}, text)),
    }));
    const parsed = parseXml(writeXml(operationsDocument(operations)));
    check(parsed.ok && parsed.value.children.length === 1, 'one document');
    if (!parsed.ok) return;
    const read = readOperations(parsed.value.children[0]!).map((op) => ({
      kind: op.kind,
      path: op.path,
      content: (op.content ?? []).map((e) => [e.name, e.text]),
    }));
    equal(
      read,
      list.map((op) => ({
        kind: op.kind,
        path: xmlClean(op.path),
        content: op.content.map(([name, text]) => [name, xmlClean(text)]),
      })),
      'operations',
    );
  },
});

export const FORMAT_TARGETS = [
  cfgRoundTrip,
  bootRoundTrip,
  flatRoundTrip,
  gsXmlRoundTrip,
  gsBinaryRoundTrip,
  fanvilRoundTrip,
  oemRoundTrip,
  polyRoundTrip,
  operationsRoundTrip,
];
