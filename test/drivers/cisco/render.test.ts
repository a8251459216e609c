import assert from 'node:assert/strict';
import { test } from 'node:test';

import { openPassphrase } from '../../../src/crypto/config-cipher.ts';
import { parseFlatProfile, renderFlatProfile } from '../../../src/drivers/cisco/format.ts';
import { ciscoDriver } from '../../../src/drivers/cisco/index.ts';
import type { Settings } from '../../../src/model/settings.ts';
import {
  ACCOUNT,
  MAC,
  SPA_MAC,
  assertGolden,
  context,
  golden,
  recognised,
  renderText,
  server,
} from './helpers.ts';

function values(text: string): Map<string, string> {
  const parsed = parseFlatProfile(text);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
  return parsed.value;
}

const FULL: Settings = {
  ...ACCOUNT,
  'accounts.1.display_name': 'Alice',
  'accounts.1.auth_user': 'alice301',
  'accounts.1.registrar_port': 5060,
  'accounts.1.transport': 'tls',
  'accounts.2.user': '302',
  'accounts.2.registrar': 'pbx.example.com',
  'accounts.2.outbound_proxy': 'sbc.example.com',
  'time.ntp_servers': ['pool.ntp.org', 'ntp2.example.com'],
  'time.timezone': 'Europe/Berlin',
  'locale.language': 'fr',
  'security.admin_password': 'Adm1n',
  'provisioning.resync_interval': 3600,
  'provisioning.resync_on_reset': true,
  'provisioning.random_delay': 40,
  'provisioning.resync_from_sip': true,
  'keys.3.type': 'blf',
  'keys.3.value': '303',
  'keys.3.label': 'Bob',
  'keys.4.type': 'speed_dial',
  'keys.4.value': '*97',
  'native.cisco.Dial_Plan_1_': '(*xx|[2-9]xxx|9,xxxxxxx.)',
};

test("golden: the SPA provisioning guide's open profile example, as the phone holds it after our two files", async () => {
  // Provisioning Guide for Cisco SPA100 and SPA200 Series, "Open Profile Format" (page 16):
  // Resync_On_Reset, Resync_Periodic 7200, and a Profile_Rule on a TFTP server at port 6900.
  const base = 'tftp://prov.telco.com:6900/cisco/config/';
  const settings = { 'provisioning.resync_on_reset': true, 'provisioning.resync_interval': 7200 };
  const s = server(base, settings, { vendor: 'cisco-spa' });
  const run = await ciscoDriver.phone.run(
    { mac: SPA_MAC, vendor: 'cisco-spa', model: 'SPA504' },
    base,
    s.fetch,
  );
  assert.equal(run.ok, true, JSON.stringify(run.steps));
  assert.deepEqual(s.asked, [`${base}spa504.cfg`, `${base}${SPA_MAC}.xml`]);
  const example = values(golden('guide-open-profile.xml'));
  // The example's Profile_Rule is what our bootstrap sets (the phone expands $PSN); the
  // phone's own profile then takes that place, so the bootstrap is read for it.
  const boot = values(
    renderText('cisco/config/spa504.cfg', {}, { withDevice: false, baseUrl: base })!,
  );
  assert.equal(boot.get('Profile_Rule')!.replace('$PSN', '504'), example.get('Profile_Rule'));
  for (const name of ['Resync_On_Reset', 'Resync_Periodic'])
    assert.equal(run.settings[name], example.get(name), name);
});

test('golden: the bootstraps point the phone at itself and at $MA.xml, on the door it used', () => {
  const spa = renderText('spa504G.cfg', {}, { withDevice: false })!;
  assertGolden('spa504G.cfg', spa);
  assert.equal(values(spa).get('Profile_Rule'), 'tftp://10.0.0.5/spa$PSN.cfg');
  assert.equal(values(spa).get('Profile_Rule_B'), 'tftp://10.0.0.5/$MA.xml');
  const mpp = renderText(
    'prov/8841-3PCC.xml',
    {},
    { withDevice: false, baseUrl: 'http://10.0.0.5:8080/prov/' },
  )!;
  assertGolden('8841-3PCC.xml', mpp);
  assert.equal(values(mpp).get('Profile_Rule'), 'http://10.0.0.5:8080/prov/$PSN.xml');
  // Rules C and D of an earlier server are cleared, not left as they were.
  assert.match(mpp, /<Profile_Rule_C ua="na"><\/Profile_Rule_C>/);
  const moved = values(
    renderText(
      'spa504G.cfg',
      { 'provisioning.url': 'https://prov.example.com/c/' },
      { withDevice: false },
    )!,
  );
  assert.equal(moved.get('Profile_Rule_B'), 'https://prov.example.com/c/$MA.xml');
});

test('golden: an MPP phone profile (two lines, line keys, French, admin password)', () => {
  const text = renderText(`${MAC}.xml`, FULL)!;
  assertGolden(`${MAC}.xml`, text);
  const mine = values(text);
  assert.equal(mine.get('Proxy_1_'), 'pbx.example.com:5060');
  assert.equal(mine.get('Use_Auth_ID_1_'), 'Yes');
  assert.equal(mine.get('Auth_ID_1_'), 'alice301');
  assert.equal(mine.get('SIP_Transport_1_'), 'TLS');
  assert.equal(mine.get('Use_Outbound_Proxy_2_'), 'Yes');
  assert.equal(mine.get('Outbound_Proxy_2_'), 'sbc.example.com');
  assert.equal(mine.get('Resync_Random_Delay'), '2');
  assert.equal(mine.get('Admin_Password'), 'Adm1n');
  assert.equal(mine.get('Locale'), 'fr-FR');
  assert.equal(mine.get('Extended_Function_3_'), 'fnc=blf+sd+cp;sub=303@$PROXY;nme=Bob');
  assert.equal(mine.get('Extended_Function_4_'), 'fnc=sd;ext=*97@$PROXY');
  assert.equal(mine.get('Dial_Plan_1_'), '(*xx|[2-9]xxx|9,xxxxxxx.)');
  assert.match(text, /<Password_1_ ua="na">s3cret<\/Password_1_>/);
});

test("golden: a SPA phone's profile says Admin_Passwd and has no Locale", () => {
  const text = renderText(`${SPA_MAC}.xml`, FULL, { vendor: 'cisco-spa' })!;
  assertGolden(`${SPA_MAC}.xml`, text);
  const mine = values(text);
  assert.equal(mine.get('Admin_Passwd'), 'Adm1n');
  assert.equal(mine.has('Admin_Password'), false);
  assert.equal(mine.has('Locale'), false);
  assert.equal(mine.get('Language_Selection'), 'French');
});

test("credentials: --uid and --pwd in the profile rule of the phone's own file", () => {
  const credentials = { username: MAC, password: 'Gen3ratedPassw0rdXYZabcd' };
  const own = ciscoDriver.render(recognised(`${MAC}.xml`), context(ACCOUNT, { credentials }))!;
  assert.equal(own.installsCredentials, true);
  const mine = values(own.body.toString());
  assert.equal(
    mine.get('Profile_Rule'),
    `[--uid ${MAC} --pwd Gen3ratedPassw0rdXYZabcd]tftp://10.0.0.5/$MA.xml`,
  );
  assert.equal(mine.get('Profile_Rule_B'), '');
  const boot = ciscoDriver.render(recognised('spa504G.cfg'), context({}, { withDevice: false }))!;
  assert.equal(boot.installsCredentials, undefined);
});

test('encryption: the profile sealed as openssl enc -aes-256-cbc -k, the rule says --key $SA', () => {
  const key = 'SecretPhrase1234';
  const settings = { ...ACCOUNT, 'security.config_encryption': true, 'security.config_key': key };
  const sealed = ciscoDriver.render(recognised(`${MAC}.xml`), context(settings))!.body;
  assert.equal(sealed.subarray(0, 8).toString('latin1'), 'Salted__');
  const plain = values(openPassphrase(sealed, key)!.toString());
  assert.equal(plain.get('Profile_Rule'), '[--key $SA]tftp://10.0.0.5/$MA.xml');
  // The bootstrap stays readable and hands the key over only over HTTPS.
  const tftp = renderText('spa504G.cfg', settings, { withDevice: false })!;
  assert.equal(values(tftp).has('GPP_SA'), false);
  const https = renderText('spa504G.cfg', settings, {
    withDevice: false,
    baseUrl: 'https://prov.example.com/',
  })!;
  assert.equal(values(https).get('GPP_SA'), key);
  assert.equal(
    renderText(`${MAC}.xml`, { ...ACCOUNT, 'security.config_encryption': true }),
    undefined,
  );
});

test('firmware: Upgrade_Rule names the catalogue image only when the phone runs another version', () => {
  const firmware = {
    vendor: 'cisco',
    model: 'CP-8841-3PCC',
    version: '12.0.7',
    fileName: 'sip88xx.12-0-7MPP0001-25.loads',
    size: 100,
    sha256: 'c'.repeat(64),
    url: 'tftp://10.0.0.5/firmware/cisco/CP-8841-3PCC/12.0.7/sip88xx.12-0-7MPP0001-25.loads',
  };
  const mine = values(renderText(`${MAC}.xml`, ACCOUNT, { firmware })!);
  assert.equal(mine.get('Upgrade_Enable'), 'Yes');
  assert.equal(mine.get('Upgrade_Rule'), firmware.url);
  assert.equal(values(renderText(`${MAC}.xml`, ACCOUNT)!).has('Upgrade_Rule'), false);
});

test('phonebook: the XML directory over HTTP, named in XML_Directory_Service_URL', () => {
  const contacts = [
    { name: 'Reception', office: '100' },
    { name: 'John Doe', office: '101', mobile: '+491701234567' },
  ];
  const http = values(
    renderText(`${MAC}.xml`, ACCOUNT, { contacts, baseUrl: 'http://10.0.0.5/' })!,
  );
  assert.equal(http.get('XML_Directory_Service_URL'), `http://10.0.0.5/${MAC}-directory.xml`);
  assertGolden('directory.xml', renderText(`${MAC}-directory.xml`, ACCOUNT, { contacts })!);
  // Over TFTP alone there is no door the directory can use: said, not written.
  const tftp = ciscoDriver.explain(recognised(`${MAC}.xml`), context(ACCOUNT, { contacts }))!;
  assert.equal(
    tftp.entries.some((e) => e.key === 'XML_Directory_Service_URL'),
    false,
  );
  assert.ok(tftp.notes?.some((n) => /fetched over HTTP\(S\) only/.test(n)));
});

test('resync and reboot_now NOTIFYs; no plug-and-play', () => {
  const d = context({}).device!;
  assert.equal(ciscoDriver.checkSync!(d, { reboot: false }), 'resync');
  assert.equal(ciscoDriver.checkSync!(d, { reboot: true }), 'reboot_now');
  assert.equal(ciscoDriver.claimsPnp, undefined);
});

test('explain: each parameter names its canonical key; what the format cannot say is listed', () => {
  const explained = ciscoDriver.explain(
    recognised(`${MAC}.xml`),
    context({ ...FULL, 'time.time_format': '24h', 'keys.5.type': 'dnd' }),
  )!;
  const from = new Map(explained.entries.map((e) => [e.key, e.from]));
  assert.equal(from.get('Proxy_1_'), 'accounts.1.registrar');
  assert.equal(from.get('Dial_Plan_1_'), 'native.cisco.Dial_Plan_1_');
  assert.ok(explained.ignored.includes('time.time_format'));
  assert.ok(explained.ignored.includes('keys.5.type'));
  assert.ok(!explained.ignored.includes('accounts.1.registrar_port'));
});

test('a value keeps the spaces inside it from the profile to the phone; only its ends are trimmed', () => {
  const text = renderFlatProfile([{ name: 'Password_1_', value: 'two  spaces\tand a tab' }]);
  const read = parseFlatProfile(text);
  assert.ok(read.ok);
  assert.equal(read.value.get('Password_1_'), 'two  spaces\tand a tab');
  const padded = parseFlatProfile(
    '<flat-profile><Display_Name_1_>  Front Desk \n</Display_Name_1_></flat-profile>',
  );
  assert.ok(padded.ok);
  assert.equal(padded.value.get('Display_Name_1_'), 'Front Desk');
});

test('profile-rule credentials: $ is written $$ (a macro starts with it); a quote cannot be written, so none are, and it is said', () => {
  const dollar = {
    ...ACCOUNT,
    'provisioning.username': 'ops',
    'provisioning.password': 'pa$MA ss',
  };
  assert.equal(
    values(renderText(`${MAC}.xml`, dollar)!).get('Profile_Rule'),
    '[--uid ops --pwd "pa$$MA ss"]tftp://10.0.0.5/$MA.xml',
  );
  const quoted = { ...ACCOUNT, 'provisioning.username': 'ops', 'provisioning.password': 'pa"ss' };
  assert.equal(
    values(renderText(`${MAC}.xml`, quoted)!).get('Profile_Rule'),
    'tftp://10.0.0.5/$MA.xml',
  );
  const explained = ciscoDriver.explain(recognised(`${MAC}.xml`), context(quoted))!;
  assert.ok(explained.notes?.some((n) => /double quote/.test(n)));
  assert.ok(explained.ignored.includes('provisioning.password'));
  assert.ok(!JSON.stringify(explained.notes).includes('pa"ss'));
});

test("a key's address (user@host) names its own host: no @$PROXY after it", () => {
  const settings = { ...ACCOUNT, 'keys.3.type': 'blf', 'keys.3.value': '201@pbx.example.com' };
  assert.equal(
    values(renderText(`${MAC}.xml`, settings)!).get('Extended_Function_3_'),
    'fnc=blf+sd+cp;sub=201@pbx.example.com',
  );
});

test("a $ of a URL is written $$, the driver's own $MA and $PSN stay macros", () => {
  const settings = {
    ...ACCOUNT,
    'provisioning.url': 'http://prov.example.com/$PN/',
    'firmware.url': 'http://prov.example.com/fw/sip88xx.loads?sig=ab$SN',
  };
  const mine = values(renderText(`${MAC}.xml`, settings)!);
  assert.equal(mine.get('Profile_Rule'), 'http://prov.example.com/$$PN/$MA.xml');
  assert.equal(mine.get('Upgrade_Rule'), 'http://prov.example.com/fw/sip88xx.loads?sig=ab$$SN');
  const boot = values(renderText('8841-3PCC.xml', settings, { withDevice: false })!);
  assert.equal(boot.get('Profile_Rule'), 'http://prov.example.com/$$PN/$PSN.xml');
  assert.equal(boot.get('Profile_Rule_B'), 'http://prov.example.com/$$PN/$MA.xml');
});

test("a key label's ; becomes , in Extended_Function's nme=, and the explanation says so", () => {
  const settings = {
    ...ACCOUNT,
    'keys.2.type': 'blf',
    'keys.2.value': '302',
    'keys.2.label': 'Sales; 2nd floor',
  };
  const explained = ciscoDriver.explain(recognised(`${MAC}.xml`), context(settings))!;
  const value = new Map(explained.entries.map((e) => [e.key, e.value]));
  assert.equal(
    value.get('Extended_Function_2_'),
    'fnc=blf+sd+cp;sub=302@$PROXY;nme=Sales, 2nd floor',
  );
  assert.equal(value.get('Short_Name_2_'), 'Sales; 2nd floor');
  assert.ok(
    explained.notes?.some((n) =>
      n.startsWith('keys.2.label: written nme=Sales, 2nd floor in Extended_Function_2_'),
    ),
    JSON.stringify(explained.notes),
  );
  // A label without ; changes nothing and needs no word.
  const plain = ciscoDriver.explain(
    recognised(`${MAC}.xml`),
    context({ ...settings, 'keys.2.label': 'Sales' }),
  )!;
  assert.ok(!plain.notes?.some((n) => n.startsWith('keys.2.label')));
});
