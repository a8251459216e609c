import assert from 'node:assert/strict';
import { test } from 'node:test';

import { polyDriver } from '../../../src/drivers/poly/index.ts';
import { readMaster, readParams } from '../../../src/drivers/poly/format.ts';
import type { Settings } from '../../../src/model/settings.ts';
import { FIRMWARE, MAC, context, golden, recognised, renderText } from './helpers.ts';

function params(text: string): Map<string, string> {
  const read = readParams(text);
  assert.ok(read.ok, read.ok ? '' : read.error.message);
  return read.value;
}

test("golden: the guide's master file — APP_FILE_PATH sip.ld while there is an image to offer, empty directories", () => {
  const own = renderText(`${MAC}.cfg`, {}, { firmware: FIRMWARE })!;
  assert.equal(own, golden(`${MAC}.cfg`));
  const seed = readMaster(golden('seed-master.cfg'));
  const ours = readMaster(own);
  assert.ok(seed.ok && ours.ok);
  // Everything but CONFIG_FILES, which names plugndial's own file.
  for (const [name, value] of Object.entries(seed.value))
    if (name !== 'CONFIG_FILES') assert.equal(ours.value[name], value, name);
  assert.equal(ours.value['CONFIG_FILES'], `${MAC}-settings.cfg`);
  // No image to offer: none named. The common master names the common settings.
  assert.match(renderText(`${MAC}.cfg`, {})!, /APP_FILE_PATH=""/);
  assert.equal(
    renderText('000000000000.cfg', {}, { withDevice: false }),
    golden('000000000000.cfg'),
  );
  assert.match(
    renderText(`${MAC}.cfg`, { 'firmware.url': 'http://fw.example.com/sip.ld' })!,
    /APP_FILE_PATH="http:\/\/fw\.example\.com\/sip\.ld"/,
  );
});

test("golden: the guide's SNTP example (2006 Pacific rules: first Sunday in April → last Sunday in October, 2 am)", () => {
  const text = renderText(
    `${MAC}-settings.cfg`,
    { 'time.timezone': 'America/Los_Angeles' },
    { now: new Date('2006-07-01T12:00:00Z') },
  )!;
  const ours = params(text);
  for (const [name, value] of params(golden('seed-sntp.cfg')))
    assert.equal(ours.get(name), value, name);
});

test("golden: the guide's contact directory example — every number, in order, with a speed dial index", () => {
  const text = renderText(
    `${MAC}-directory.xml`,
    {},
    {
      contacts: [
        { name: 'John Doe', office: '1001' },
        { name: 'Bill Smith', office: '1003', mobile: '+15551234567' },
      ],
    },
  )!;
  assert.equal(text, golden(`${MAC}-directory.xml`));
  const numbers = (xml: string): string[] =>
    [...xml.matchAll(/<ct>([^<]*)<\/ct>/g)].map((m) => m[1]!);
  for (const number of numbers(golden('seed-directory.xml')))
    assert.ok(numbers(text).includes(number), number);
  // The common directory is the default profile's list; without contacts there is none.
  assert.ok(
    renderText(
      '000000000000-directory.xml',
      {},
      { withDevice: false, contacts: [{ name: 'Reception', office: '100' }] },
    ),
  );
  assert.equal(renderText(`${MAC}-directory.xml`, {}), undefined);
});

const FULL: Settings = {
  'accounts.1.user': '1001',
  'accounts.1.auth_user': 'a1001',
  'accounts.1.password': 's3cret',
  'accounts.1.display_name': 'Front desk',
  'accounts.1.label': 'Desk',
  'accounts.1.registrar': 'pbx.example.com',
  'accounts.1.registrar_port': 5061,
  'accounts.1.transport': 'tls',
  'accounts.1.outbound_proxy': 'sbc.example.com',
  'accounts.1.outbound_proxy_port': 5062,
  'accounts.2.user': '1002',
  'accounts.2.registrar': 'pbx.example.com',
  'accounts.2.enabled': false,
  'time.ntp_servers': ['ntp1.example.com', 'ntp2.example.com'],
  'time.time_format': '24h',
  'locale.language': 'fr',
  'provisioning.url': 'https://prov.example.com/poly/',
  'provisioning.resync_interval': 86400,
  'security.admin_password': 'Adm1n-Pass',
  'keys.1.type': 'line',
  'keys.1.account': 1,
  'keys.2.type': 'blf',
  'keys.2.value': '201',
  'keys.2.label': 'Anna',
  'native.poly.voIpProt.SIP.specialEvent.checkSync.alwaysReboot': '1',
  'native.poly.lcl.ml.lang': 'French_Canada',
};

test('golden: accounts over TLS through a proxy, NTP, language, polling, provisioning server, admin password, keys, native parameters', () => {
  assert.equal(renderText(`${MAC}-settings.cfg`, FULL), golden(`${MAC}-settings.cfg`));
});

test('the credentials the access policy gives the phone: device.prov.user/password with their .set, its own file only', () => {
  const credentials = { username: MAC, password: 'Gen3rated' };
  const own = polyDriver.render(recognised(`${MAC}-settings.cfg`), context({}, { credentials }))!;
  assert.equal(own.installsCredentials, true);
  const p = params(own.body.toString());
  assert.deepEqual(
    [
      'device.set',
      'device.prov.user.set',
      'device.prov.user',
      'device.prov.password.set',
      'device.prov.password',
    ].map((k) => p.get(k)),
    ['1', '1', MAC, '1', 'Gen3rated'],
  );
  const common = polyDriver.render(
    recognised('000000000000-settings.cfg'),
    context({}, { credentials, withDevice: false }),
  )!;
  assert.equal(common.installsCredentials, undefined);
  assert.doesNotMatch(common.body.toString(), /Gen3rated/);
  // Without device.* parameters there is no device.set: the phone's own stay untouched.
  assert.doesNotMatch(
    renderText(`${MAC}-settings.cfg`, { 'accounts.1.user': '1' })!,
    /device\.set/,
  );
});

test('explain: what each key became, what Poly cannot say, and the polling floor', () => {
  const explained = polyDriver.explain(
    recognised(`${MAC}-settings.cfg`),
    context({
      'accounts.1.user': '1001',
      'phonebook.url': 'http://dir.example.com/',
      'keys.3.type': 'speed_dial',
      'keys.3.value': '200',
      'provisioning.resync_interval': 600,
      'native.poly.bad name': '1',
    }),
  )!;
  assert.deepEqual(explained.ignored, [
    'keys.3.type',
    'keys.3.value',
    'native.poly.bad name',
    'phonebook.url',
  ]);
  assert.ok(explained.notes!.some((n) => /prov\.polling\.period=3601/.test(n)));
  assert.deepEqual(explained.entries[0], {
    key: 'reg.1.address',
    value: '1001',
    from: 'accounts.1.user',
  });
});

test('asked to encrypt: no settings or directory file, and --explain says why; the master is still served', () => {
  const settings = { 'accounts.1.user': '1001', 'security.config_encryption': true };
  assert.equal(polyDriver.render(recognised(`${MAC}-settings.cfg`), context(settings)), undefined);
  assert.match(
    polyDriver.explain(recognised(`${MAC}-settings.cfg`), context(settings))!.notes!.at(-1)!,
    /not public/,
  );
  assert.ok(polyDriver.render(recognised(`${MAC}.cfg`), context(settings)));
});

test('firmware: any image name is the catalogue image the phone should run, or none', () => {
  const image = recognised('3111-65290-001.3111-65290-001.sip.ld');
  assert.deepEqual(
    [image.kind, image.needsDevice, image.params],
    ['firmware', false, { image: 'sip.ld' }],
  );
  assert.deepEqual(polyDriver.firmwareImage!(image, context({}, { firmware: FIRMWARE })), {
    vendor: 'poly',
    model: 'VVX450',
    version: '6.4.6.2500',
  });
  assert.equal(polyDriver.firmwareImage!(image, context({})), undefined);
});
