import assert from 'node:assert/strict';
import { test } from 'node:test';

import { openPassphrase } from '../../../src/crypto/config-cipher.ts';
import { decodeBinary } from '../../../src/drivers/grandstream/binary.ts';
import { parseGsXml } from '../../../src/drivers/grandstream/format.ts';
import { grandstreamDriver } from '../../../src/drivers/grandstream/index.ts';
import type { Settings } from '../../../src/model/settings.ts';
import {
  ACCOUNT,
  MAC,
  assertGolden,
  context,
  golden,
  recognised,
  render,
  renderText,
} from './helpers.ts';

function values(text: string): Map<string, string> {
  const parsed = parseGsXml(text);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
  return parsed.value.values;
}

const FULL: Settings = {
  ...ACCOUNT,
  'accounts.1.display_name': 'Alice',
  'accounts.1.registrar_port': 5060,
  'accounts.1.transport': 'tcp',
  'accounts.2.user': '202',
  'accounts.2.password': 'tw0',
  'accounts.2.registrar': 'pbx2.example.com',
  'accounts.2.outbound_proxy': 'sbc.example.com',
  'accounts.2.outbound_proxy_port': 5070,
  'accounts.5.user': '205',
  'accounts.5.registrar': 'pbx.example.com',
  'time.ntp_servers': ['pool.ntp.org', 'ntp2.example.com'],
  'time.timezone': 'Europe/Berlin',
  'locale.language': 'de',
  'security.admin_password': 'Adm1n',
  'provisioning.resync_interval': 86400,
  'keys.1.type': 'blf',
  'keys.1.value': '203',
  'keys.1.label': 'Bob',
  'keys.2.type': 'speed_dial',
  'keys.2.value': '*97',
  'native.grandstream.account.1.sip.voicemail.number': '*97',
};

test("golden: the XML provisioning guide's example file (P271, P270 with the MAC header) in P-values", () => {
  // Grandstream XML Provisioning Guide (7/2011), "XML schema and example file", pages 3–4;
  // the same example in the SIP Device Provisioning Guide (9/2012), page 7.
  const text = renderText(`cfg${MAC}.xml`, {
    'accounts.1.enabled': false,
    'accounts.1.label': 'Account name',
    'provisioning.config_format': 'p-values',
  })!;
  const example = values(golden('guide-example.xml'));
  const ours = values(text);
  for (const [name, value] of example) assert.equal(ours.get(name), value, name);
  const parsed = parseGsXml(text);
  assert.equal(parsed.ok && parsed.value.mac, MAC);
  assertGolden('guide-example-ours.xml', text);
});

test('golden: a phone of two accounts and a fifth, in the alias form', () => {
  // A GXP2160 has six accounts (a GXP2130 three).
  const text = renderText(`cfg${MAC}.xml`, FULL, { model: 'GXP2160' })!;
  assertGolden(`cfg${MAC}.xml`, text);
  const mine = values(text);
  assert.equal(mine.get('account.1.sip.server.1.address'), 'pbx.example.com:5060');
  assert.equal(mine.get('account.1.sip.transport'), 'TCP');
  assert.equal(mine.get('account.2.sip.outboundProxy.1.address'), 'sbc.example.com:5070');
  // Account 5 has its own number in the alias form: no P17xx/P7xx guess.
  assert.equal(mine.get('account.5.sip.userid'), '205');
  assert.equal(mine.get('provisioning.auto.minute'), '1440');
  assert.equal(mine.get('pks.vpk.1.keyMode'), 'BLF');
  assert.equal(mine.get('account.1.sip.voicemail.number'), '*97');
});

test('the P-value form: accounts 1–4 by their numbers, account 5 and line keys reported as not expressed', () => {
  const settings = { ...FULL, 'provisioning.config_format': 'p-values' as const };
  const text = renderText(`cfg${MAC}.xml`, settings, { model: 'GXP2160' })!;
  const mine = values(text);
  assert.equal(mine.get('P47'), 'pbx.example.com:5060');
  assert.equal(mine.get('P130'), '1');
  assert.equal(mine.get('P402'), 'pbx2.example.com');
  assert.equal(mine.get('P403'), 'sbc.example.com:5070');
  assert.equal(mine.get('P404'), '202');
  assert.equal(mine.get('P406'), 'tw0');
  assert.equal(mine.get('P64'), 'customize');
  assert.equal(mine.get('P246'), 'CET-1CEST,M3.5.0,M10.5.0/3');
  assert.equal(mine.get('P194'), '1');
  assert.ok(![...mine.keys()].some((k) => /^P1[78]\d\d$|^P7\d\d$/.test(k)));
  const explained = grandstreamDriver.explain(
    recognised(`cfg${MAC}.xml`),
    context(settings, { model: 'GXP2160' }),
  )!;
  for (const key of ['accounts.5.user', 'accounts.5.registrar', 'keys.1.type', 'keys.2.value'])
    assert.ok(explained.ignored.includes(key), key);
  assert.ok(explained.notes?.some((n) => n.startsWith('not expressed in P-values: accounts.5.')));
});

test('the legacy binary cfg<mac>: only when asked, header, checksum and MAC as the phones check them', () => {
  assert.equal(render(`cfg${MAC}`, FULL), undefined);
  const settings = { ...FULL, 'provisioning.config_format': 'binary' as const };
  const file = render(`cfg${MAC}`, settings)!;
  assert.equal(file.readUInt32BE(0) * 2, file.length);
  assert.equal(file.subarray(6, 12).toString('hex'), MAC);
  assert.equal(file.subarray(12, 16).toString('latin1'), '\r\n\r\n');
  let sum = 0;
  for (let i = 0; i < file.length; i += 2) sum = (sum + file.readUInt16BE(i)) & 0xffff;
  assert.equal(sum, 0);
  const decoded = decodeBinary(file);
  assert.ok(decoded.ok);
  assert.equal(decoded.values.get('P47'), 'pbx.example.com:5060');
  assert.equal(decoded.values.get('P246'), 'CET-1CEST,M3.5.0,M10.5.0/3');
  assert.match(file.toString('latin1'), /P246=CET-1CEST%2CM3\.5\.0%2CM10\.5\.0%2F3&/);
  assert.match(file.toString('latin1'), /&gnkey=0b82\0?$/);
  // One byte changed: the checksum no longer holds.
  const broken = Buffer.from(file);
  broken[20] = broken[20]! ^ 1;
  assert.deepEqual(decodeBinary(broken), { ok: false, problem: 'checksum' });
  // The XML files stay in aliases.
  assert.ok(values(renderText(`cfg${MAC}.xml`, settings)!).has('account.1.sip.userid'));
});

test('the binary cfg<mac> of a value with a lone surrogate: U+FFFD, not a URIError', () => {
  // Found by the gs-binary-roundtrip fuzz target; JSON carries "\ud800" into a setting.
  const settings = {
    ...FULL,
    'accounts.1.registrar': 'pbx\ud800.example.com',
    'provisioning.config_format': 'binary' as const,
  };
  const decoded = decodeBinary(render(`cfg${MAC}`, settings)!);
  assert.ok(decoded.ok);
  assert.ok([...decoded.values.values()].some((v) => v.startsWith('pbx\ufffd.example.com')));
});

test('encryption: OpenSSL-compatible AES-256-CBC under the passphrase, stable bytes, never plain', () => {
  const key = 'Grandstream-Key1';
  const settings = { ...FULL, 'security.config_encryption': true, 'security.config_key': key };
  const sealed = render(`cfg${MAC}.xml`, settings)!;
  assert.equal(sealed.subarray(0, 8).toString('latin1'), 'Salted__');
  assert.deepEqual(render(`cfg${MAC}.xml`, settings), sealed);
  assert.equal(openPassphrase(sealed, key)!.toString('utf8'), renderText(`cfg${MAC}.xml`, FULL));
  assert.equal(
    render('cfg.xml', settings, { withDevice: false })!.subarray(0, 8).toString(),
    'Salted__',
  );
  // The binary file cannot be encrypted: not served at all.
  assert.equal(
    render(`cfg${MAC}`, { ...settings, 'provisioning.config_format': 'binary' }),
    undefined,
  );
  assert.equal(render(`cfg${MAC}.xml`, { ...FULL, 'security.config_encryption': true }), undefined);
});

test("credentials: the Config Server user and password in the phone's own file only", () => {
  const credentials = { username: MAC, password: 'Gen3ratedPassw0rdXYZabcd' };
  const own = grandstreamDriver.render(
    recognised(`cfg${MAC}.xml`),
    context(ACCOUNT, { credentials }),
  )!;
  assert.equal(own.installsCredentials, true);
  const mine = values(own.body.toString('utf8'));
  assert.equal(mine.get('provisioning.config.username'), MAC);
  assert.equal(mine.get('provisioning.config.password'), credentials.password);
  const common = grandstreamDriver.render(
    recognised('cfg.xml'),
    context(ACCOUNT, { credentials, withDevice: false }),
  )!;
  assert.equal(common.installsCredentials, undefined);
  assert.doesNotMatch(common.body.toString(), /Gen3rated/);
  const binary = grandstreamDriver.render(
    recognised(`cfg${MAC}`),
    context({ ...ACCOUNT, 'provisioning.config_format': 'binary' }, { credentials }),
  )!;
  assert.equal(binary.installsCredentials, true);
  assert.ok(decodeBinary(binary.body).ok);
});

test('the config server path follows the door the phone used, or provisioning.url', () => {
  const tftp = values(
    renderText('cfg.xml', {}, { withDevice: false, baseUrl: 'tftp://10.0.0.5:6969/gs/' })!,
  );
  assert.deepEqual(
    [tftp.get('provisioning.config.protocol'), tftp.get('provisioning.config.serverPath')],
    ['TFTP', '10.0.0.5:6969/gs'],
  );
  const moved = values(
    renderText(
      'cfg.xml',
      { 'provisioning.url': 'https://prov.example.com/' },
      { withDevice: false },
    )!,
  );
  assert.deepEqual(
    [moved.get('provisioning.config.protocol'), moved.get('provisioning.config.serverPath')],
    ['HTTPS', 'prov.example.com'],
  );
});

test('firmware: the catalogue image directory only when the phone runs another version', () => {
  const firmware = {
    vendor: 'grandstream',
    model: 'GXP2130',
    version: '1.0.11.3',
    fileName: 'gxp2130fw.bin',
    size: 100,
    sha256: 'a'.repeat(64),
    url: 'http://prov.example.com/gs/firmware/grandstream/GXP2130/1.0.11.3/gxp2130fw.bin',
  };
  const settings = { ...ACCOUNT, 'firmware.version': '1.0.11.3' };
  const offered = values(renderText(`cfg${MAC}.xml`, settings, { firmware })!);
  assert.equal(
    offered.get('provisioning.firmware.serverPath'),
    'prov.example.com/gs/firmware/grandstream/GXP2130/1.0.11.3',
  );
  assert.equal(offered.get('provisioning.firmware.protocol'), 'HTTP');
  assert.equal(
    values(renderText(`cfg${MAC}.xml`, settings)!).get('provisioning.firmware.serverPath'),
    undefined,
  );
  const ctx = context(settings, { firmware });
  assert.deepEqual(grandstreamDriver.firmwareImage!(recognised('x/GXP2130FW.bin'), ctx), {
    vendor: 'grandstream',
    model: 'GXP2130',
    version: '1.0.11.3',
  });
  assert.equal(grandstreamDriver.firmwareImage!(recognised('x/gxp1600fw.bin'), ctx), undefined);
});

test('firmware.url: a directory as given, an image by its directory; a name or query the phone will not ask for is said', () => {
  const path = (url: string): string | undefined =>
    values(renderText(`cfg${MAC}.xml`, { ...ACCOUNT, 'firmware.url': url })!).get(
      'provisioning.firmware.serverPath',
    );
  const notes = (url: string): string[] =>
    grandstreamDriver.explain(
      recognised(`cfg${MAC}.xml`),
      context({ ...ACCOUNT, 'firmware.url': url }),
    )!.notes ?? [];
  // The host alone, with or without its slash: the host, whole.
  assert.equal(path('http://fw.example.com/'), 'fw.example.com');
  assert.equal(path('http://fw.example.com'), 'fw.example.com');
  assert.equal(path('http://fw.example.com/fw/'), 'fw.example.com/fw');
  assert.equal(path('http://fw.example.com/fw/gxp2130fw.bin'), 'fw.example.com/fw');
  assert.deepEqual(notes('http://fw.example.com/fw/gxp2130fw.bin'), []);
  // Another name: the directory, and the phone's own name for the image in a note.
  assert.equal(path('http://fw.example.com/fw/GXP2130-1.0.11.3.bin'), 'fw.example.com/fw');
  assert.ok(
    notes('http://fw.example.com/fw/GXP2130-1.0.11.3.bin').some((n) =>
      n.includes('asks its firmware path for gxp2130fw.bin, not GXP2130-1.0.11.3.bin'),
    ),
  );
  assert.equal(path('http://fw.example.com/fw/?token=abc'), 'fw.example.com/fw');
  assert.ok(notes('http://fw.example.com/fw/?token=abc').some((n) => n.includes('"?token=abc"')));
});

test("phonebook: the contacts as phonebook.xml, in a directory of the phone's own", () => {
  const contacts = [
    { name: 'Reception', office: '100' },
    { name: 'John Doe', office: '101', mobile: '+491701234567', group: 'Sales' },
  ];
  const own = values(renderText(`cfg${MAC}.xml`, ACCOUNT, { contacts })!);
  assert.equal(own.get('phonebook.download.mode'), 'EnabledUseHTTP');
  assert.equal(own.get('phonebook.download.server'), `prov.example.com/gs/phonebook/${MAC}`);
  const book = renderText(`gs/phonebook/${MAC}/phonebook.xml`, ACCOUNT, { contacts })!;
  assertGolden('phonebook.xml', book);
  assert.equal(render(`gs/phonebook/${MAC}/phonebook.xml`, ACCOUNT), undefined);
  const shared = values(renderText('cfg.xml', {}, { contacts, withDevice: false })!);
  assert.equal(shared.get('phonebook.download.server'), 'prov.example.com/gs');
});

test('a file of another phone, or a phone that is not a device: nothing', () => {
  assert.equal(render(`cfg${MAC}.xml`, ACCOUNT, { withDevice: false }), undefined);
  assert.equal(
    render(`cfg${MAC}`, { 'provisioning.config_format': 'binary' }, { withDevice: false }),
    undefined,
  );
  assert.equal(grandstreamDriver.render(recognised('gxp2130fw.bin'), context(ACCOUNT)), undefined);
});

test('a native value named by its P-value or its alias sets the parameter in both forms', () => {
  for (const native of ['native.grandstream.P1362', 'native.grandstream.language.gui']) {
    const settings = { ...FULL, [native]: 'fr' };
    const aliases = values(renderText(`cfg${MAC}.xml`, settings)!);
    const pValues = values(
      renderText(`cfg${MAC}.xml`, { ...settings, 'provisioning.config_format': 'p-values' })!,
    );
    assert.equal(aliases.get('language.gui'), 'fr', native);
    assert.equal(pValues.get('P1362'), 'fr', native);
  }
});

test('a parameter whose forms write different values takes a native value in its own form only', () => {
  const pForm = {
    ...FULL,
    'native.grandstream.P271': '0',
    'provisioning.config_format': 'p-values',
  };
  assert.equal(values(renderText(`cfg${MAC}.xml`, pForm)!).get('P271'), '0');
  const aliasOfP = values(
    renderText(`cfg${MAC}.xml`, { ...FULL, 'native.grandstream.P271': '0' })!,
  );
  assert.equal(aliasOfP.get('account.1.enable'), 'Yes', 'the alias form keeps its own word');
  const alias = { ...FULL, 'native.grandstream.account.1.enable': 'No' };
  assert.equal(values(renderText(`cfg${MAC}.xml`, alias)!).get('account.1.enable'), 'No');
  const pOfAlias = values(
    renderText(`cfg${MAC}.xml`, { ...alias, 'provisioning.config_format': 'p-values' })!,
  );
  assert.equal(pOfAlias.get('P271'), '1', 'the P-value form keeps its own number');
});
