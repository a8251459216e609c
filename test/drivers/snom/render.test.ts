import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseXml, type XmlElement } from '../../../src/formats/xml.ts';
import { snomDriver } from '../../../src/drivers/snom/index.ts';
import type { Settings } from '../../../src/model/settings.ts';
import { BASE, MAC, context, golden, recognised, renderText } from './helpers.ts';

/** `name[idx]` → value of every `<phone-settings>` element, and `fkey[idx]` → value + attributes. */
function values(xml: string): Map<string, string> {
  const parsed = parseXml(xml);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
  const out = new Map<string, string>();
  const walk = (e: XmlElement): void => {
    if (e.name === 'phone-settings')
      for (const s of e.children)
        out.set(s.attributes['idx'] ? `${s.name}[${s.attributes['idx']}]` : s.name, s.text.trim());
    else if (e.name === 'functionKeys')
      for (const k of e.children)
        out.set(
          `fkey[${k.attributes['idx']}]`,
          `${k.attributes['context']}|${k.attributes['label'] ?? ''}|${k.text.trim()}`,
        );
    else if (e.name === 'tbook')
      for (const i of e.children) {
        const f = (n: string): string => i.children.find((c) => c.name === n)?.text ?? '';
        out.set(`tbook[${i.attributes['index']}]`, `${f('name')}|${f('number')}`);
      }
    else e.children.forEach(walk);
  };
  walk(parsed.value);
  return out;
}

/** Every value of the wiki's example is in ours, the same (permissions are ours to choose). */
function assertCarries(ours: string, seed: string): void {
  const mine = values(ours);
  for (const [key, value] of values(seed)) assert.equal(mine.get(key), value, key);
}

const SIMPLE: Settings = {
  'locale.language': 'en',
  'provisioning.url': 'https://my.pbx.com/{mac}',
  'time.timezone': 'Europe/Rome',
  'accounts.1.display_name': 'John Doe - 401',
  'accounts.1.user': '401',
  'accounts.1.registrar': 'my.pbx.com',
  'accounts.2.display_name': 'Artur Black - 500',
  'accounts.2.user': '500',
  'accounts.2.registrar': 'company.com',
};

test('golden: the wiki simple configuration file (two identities, ITA+1, setting_server)', () => {
  const xml = renderText(`${MAC.toUpperCase()}.xml`, SIMPLE)!;
  assert.equal(xml, golden('simple.xml'));
  assertCarries(xml, golden('seed-simple.xml'));
});

test('golden: the wiki line keys and directory examples', () => {
  const keys = renderText(`${MAC.toUpperCase()}.xml`, {
    'keys.1.type': 'line',
    'keys.1.account': 1,
    'keys.1.label': 'line key 501',
    'keys.2.type': 'line',
    'keys.2.account': 2,
    'keys.2.label': 'line key 502',
  })!;
  assert.equal(keys, golden('line-keys.xml'));
  assertCarries(keys, golden('seed-line-keys.xml'));
  const tbook = renderText(
    `${MAC.toUpperCase()}-tbook.xml`,
    {},
    {
      contacts: [
        { name: 'Adrian', office: '42965' },
        { name: 'Roland', office: '16424' },
      ],
    },
  )!;
  assert.equal(tbook, golden('tbook.xml'));
  assertCarries(tbook, golden('seed-tbook.xml'));
});

test('golden: an account over TLS through an outbound proxy, BLF and speed dial keys, NTP, admin password, a native key', () => {
  const xml = renderText(`${MAC.toUpperCase()}.xml`, {
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
    'time.ntp_servers': ['ntp1.example.com', 'ntp2.example.com'],
    'time.time_format': '24h',
    'locale.language': 'de',
    'provisioning.resync_interval': 86400,
    'provisioning.pnp': false,
    'phonebook.url': 'https://dir.example.com/snom.xml',
    'security.admin_password': 'Adm1n-Pass',
    'keys.1.type': 'blf',
    'keys.1.value': '201',
    'keys.1.pickup_value': '*8',
    'keys.1.label': 'Anna',
    'keys.3.type': 'speed_dial',
    'keys.3.value': '+4930123456',
    'native.snom.user_srtp.1': 'on',
    'native.snom.ntp_refresh_timer': '3600',
  })!;
  assert.equal(xml, golden('full.xml'));
});

test('the setting file lists: the model file, then the MAC file with the directory when there are contacts', () => {
  assert.equal(renderText('snomD345.htm', {}, { withDevice: false }), golden('snomD345.htm'));
  assert.equal(
    renderText(
      'snomD345-000413A11FA7.htm',
      {},
      { contacts: [{ name: 'Adrian', office: '42965' }] },
    ),
    golden('snomD345-000413A11FA7.htm'),
  );
  assert.doesNotMatch(renderText('snomD345-000413A11FA7.htm', {})!, /tbook/);
  // A common file names no device; the MAC list needs one.
  assert.equal(
    snomDriver.render(recognised('snomD345-000413A11FA7.htm'), context({}, { withDevice: false })),
    undefined,
  );
});

test('the credentials the access policy gives the phone: its own file only, as the setting server userinfo', () => {
  const credentials = { username: MAC, password: 'Gen3rated/Pass word' };
  const own = snomDriver.render(
    recognised(`${MAC.toUpperCase()}.xml`),
    context({}, { credentials }),
  )!;
  assert.equal(own.installsCredentials, true);
  assert.match(
    own.body.toString(),
    /<setting_server perm="R">http:\/\/000413a11fa7:Gen3rated%2FPass%20word@192\.168\.137\.1\/<\/setting_server>/,
  );
  const common = snomDriver.render(
    recognised('snomD345.xml'),
    context({}, { credentials, withDevice: false }),
  )!;
  assert.equal(common.installsCredentials, undefined);
  assert.doesNotMatch(common.body.toString(), /Gen3rated/);
  // --explain marks the URL secret, so previews mask it.
  const entry = snomDriver
    .explain(recognised(`${MAC.toUpperCase()}.xml`), context({}, { credentials }))!
    .entries.find((e) => e.key === 'setting_server');
  assert.equal(entry?.from, 'provisioning.password');
});

test('firmware: firmware_status and the firmware file only while there is an image to offer', () => {
  const firmware = {
    vendor: 'snom',
    model: 'D345',
    version: '10.1.184.15',
    fileName: 'snomD345-10.1.184.15-SIP-r.bin',
    size: 10,
    sha256: 'ab'.repeat(32),
    url: `${BASE}firmware/snom/D345/10.1.184.15/snomD345-10.1.184.15-SIP-r.bin`,
  };
  const own = renderText(`${MAC.toUpperCase()}.xml`, {}, { firmware })!;
  assert.match(own, /<update_policy perm="R">auto_update<\/update_policy>/);
  assert.match(
    own,
    /<firmware_status perm="R">http:\/\/192\.168\.137\.1\/000413A11FA7-firmware\.xml<\/firmware_status>/,
  );
  assert.equal(
    renderText(`${MAC.toUpperCase()}-firmware.xml`, {}, { firmware }),
    golden('firmware.xml'),
  );
  assert.doesNotMatch(renderText(`${MAC.toUpperCase()}.xml`, {})!, /firmware_status/);
  assert.equal(renderText(`${MAC.toUpperCase()}-firmware.xml`, {}), undefined);
  // An explicit image URL is offered as given.
  assert.match(
    renderText(`${MAC.toUpperCase()}-firmware.xml`, {
      'firmware.url': 'https://downloads.snom.com/fw/x.bin',
    })!,
    /<firmware perm="R">https:\/\/downloads\.snom\.com\/fw\/x\.bin<\/firmware>/,
  );
});

test('explain: what each key became, and what Snom cannot say', () => {
  const explained = snomDriver.explain(
    recognised(`${MAC.toUpperCase()}.xml`),
    context({
      'accounts.1.user': '1001',
      'accounts.1.transport': 'udp',
      'time.date_format': 'YYYY-MM-DD',
      'locale.language': 'zh-CN',
      'keys.2.type': 'private_hold',
      'native.snom.bad name': 'x',
      'provisioning.uploads': 'store',
    }),
  )!;
  assert.deepEqual(explained.ignored, [
    'keys.2.type',
    'locale.language',
    'native.snom.bad name',
    'time.date_format',
  ]);
  assert.deepEqual(
    explained.entries.find((e) => e.key === 'user_name[1]'),
    { key: 'user_name[1]', value: '1001', from: 'accounts.1.user' },
  );
});

test('asked to encrypt: no setting file at all, and --explain says why', () => {
  const settings = { 'accounts.1.user': '1001', 'security.config_encryption': true };
  assert.equal(
    snomDriver.render(recognised(`${MAC.toUpperCase()}.xml`), context(settings)),
    undefined,
  );
  const notes = snomDriver.explain(
    recognised(`${MAC.toUpperCase()}.xml`),
    context(settings),
  )!.notes!;
  assert.match(notes.at(-1)!, /Snom documents no encrypted setting file/);
  // The lists carry no secret: they are still served.
  assert.ok(
    snomDriver.render(recognised('snomD345.htm'), context(settings, { withDevice: false })),
  );
});
