import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseBoot, parseCfg } from '../../../src/formats/cfg.ts';
import { yealinkDriver } from '../../../src/drivers/yealink/index.ts';
import type { Mac } from '../../../src/model/mac.ts';
import type { Settings } from '../../../src/model/settings.ts';
import { MAC, context, golden, recognised, renderText } from './helpers.ts';

const TIME: Settings = {
  'time.timezone': 'Asia/Shanghai',
  'time.ntp_servers': ['cn.pool.ntp.org', 'cn.pool.ntp.org'],
  'time.time_format': '12h',
  'time.date_format': 'WWW MMM DD',
};

const ACCOUNT: Settings = {
  'accounts.1.enabled': true,
  'accounts.1.label': '1001',
  'accounts.1.display_name': 'Reception',
  'accounts.1.auth_user': '1001',
  'accounts.1.password': 's3cret-Pass',
  'accounts.1.user': '1001',
  'accounts.1.registrar': '10.20.0.92',
  'accounts.1.registrar_port': 5060,
  'accounts.1.outbound_proxy': '10.20.0.93',
  'accounts.1.outbound_proxy_port': 5060,
};

const NEW_CFG: Settings = {
  'phonebook.url': 'http://10.20.0.92/testcontact.xml',
  'security.web_http': true,
  'security.web_https': true,
  'locale.language': 'zh-CN',
};

function cfgValues(text: string): Record<string, string> {
  const parsed = parseCfg(text);
  assert.ok(parsed.ok);
  return Object.fromEntries(parsed.value);
}

test('golden: seed 001 time.cfg from Asia/Shanghai, cn.pool.ntp.org twice, 12 h, date format 0', () => {
  assert.equal(renderText('y000000000000.cfg', TIME, { withDevice: false }), golden('time.cfg'));
  // The seed's own lines, comments aside, and no daylight saving of the phone's own: Shanghai has none.
  assert.deepEqual(cfgValues(golden('time.cfg')), {
    ...cfgValues(golden('seed-time.cfg')),
    'local_time.summer_time': '0',
  });
});

test('golden: the account block of the MAC-oriented cfg, every account.1 key seed 001 lists', () => {
  const text = renderText(`${MAC}.cfg`, ACCOUNT);
  assert.equal(text, golden('0021f2000001.cfg'));
  const seedKeys = Object.keys(cfgValues(golden('seed-account.cfg')));
  assert.deepEqual(Object.keys(cfgValues(text!)), seedKeys);
});

test('golden: seed 001 "Creating a New CFG File" example', () => {
  assert.equal(renderText('y000000000000.cfg', NEW_CFG, { withDevice: false }), golden('new.cfg'));
});

test('golden: the MAC boot file includes the common cfg, then the MAC cfg, by relative name', () => {
  assert.equal(renderText(`${MAC}.boot`, {}), golden('0021f2000001.boot'));
  // Flyingvoice asks for the bare MAC first ("Config File Name $(MA)"): same answer.
  assert.equal(renderText(MAC, {}), golden('0021f2000001.boot'));
  assert.equal(
    renderText('y000000000000.boot', {}, { withDevice: false }),
    golden('y000000000000.boot'),
  );
});

test('golden: seed 001 boot examples parse to their includes, in order', () => {
  const mac = parseBoot(golden('seed-mac.boot'));
  assert.ok(mac.ok);
  assert.deepEqual(mac.value, {
    includes: ['test.cfg', 'http://10.20.0.92/mac.cfg'],
    overwriteMode: false,
  });
  const common = parseBoot(golden('seed-common.boot'));
  assert.ok(common.ok);
  assert.deepEqual(common.value.includes, ['time.cfg', 'xxx.cfg']);
});

test('golden: the Yealink dialect names the same settings its own way', () => {
  const settings: Settings = {
    ...ACCOUNT,
    'accounts.1.transport': 'tcp',
    ...TIME,
    'keys.1.type': 'blf',
    'keys.1.account': 1,
    'keys.1.value': '1002',
    'keys.1.label': 'Bob',
    'provisioning.url': 'https://prov.example.com/yealink/',
    'firmware.url': 'http://10.20.0.92/T46G-28.83.0.50.rom',
    'phonebook.url': 'http://10.20.0.92/testcontact.xml',
    'locale.language': 'zh-CN',
  };
  const mac = '0015654aa937' as Mac;
  assert.equal(
    renderText(`${mac}.cfg`, settings, { vendor: 'yealink', mac }),
    golden('yealink-0015654aa937.cfg'),
  );
});

test('the boot file writes overwrite_mode when the settings ask for it', () => {
  const text = renderText(`${MAC}.boot`, { 'provisioning.overwrite_mode': true });
  assert.ok(text?.endsWith('include:config "0021f2000001.cfg"\noverwrite_mode = 1\n'));
  const parsed = parseBoot(text!);
  assert.ok(parsed.ok);
  assert.equal(parsed.value.overwriteMode, true);
});

test('device files need a device; common files render without one', () => {
  for (const name of [MAC, `${MAC}.boot`, `${MAC}.cfg`]) {
    assert.equal(renderText(name, ACCOUNT, { withDevice: false }), undefined, name);
  }
  assert.ok(renderText('y000000000000.cfg', {}, { withDevice: false }));
  assert.ok(renderText('y000000000028.cfg', TIME, { withDevice: false }));
});

test('rendered files are UTF-8 text', () => {
  const artifact = yealinkDriver.render(
    recognised(`${MAC}.cfg`),
    context({ 'accounts.1.label': 'Zürich' }),
  );
  assert.equal(artifact?.contentType, 'text/plain; charset=utf-8');
  assert.equal(artifact?.body.toString('utf8'), '#!version:1.0.0.1\naccount.1.label=Zürich\n');
});

test('auth_name defaults to the user, and an account with a user is enabled', () => {
  const values = cfgValues(renderText(`${MAC}.cfg`, { 'accounts.2.user': '2002' })!);
  assert.deepEqual(values, {
    'account.2.enable': '1',
    'account.2.auth_name': '2002',
    'account.2.user_name': '2002',
  });
  const disabled = cfgValues(
    renderText(`${MAC}.cfg`, { 'accounts.1.user': '1001', 'accounts.1.enabled': false })!,
  );
  assert.equal(disabled['account.1.enable'], '0');
});

test('explain returns the very lines render writes, secrets included, and says where each came from', () => {
  const ctx = context(ACCOUNT);
  const explanation = yealinkDriver.explain(recognised(`${MAC}.cfg`), ctx);
  assert.ok(explanation);
  assert.equal(explanation.file, '0021f2000001.cfg');
  const lines = explanation.entries.map((e) => `${e.key}=${e.value}`);
  assert.equal(`#!version:1.0.0.1\n${lines.join('\n')}\n`, golden('0021f2000001.cfg'));
  const password = explanation.entries.find((e) => e.key === 'account.1.password');
  assert.deepEqual(password, {
    key: 'account.1.password',
    value: 's3cret-Pass',
    from: 'accounts.1.password',
  });
  assert.deepEqual(explanation.ignored, []);
});

test('explain of a boot file lists its includes', () => {
  const explanation = yealinkDriver.explain(recognised(`${MAC}.boot`), context({}));
  assert.deepEqual(explanation, {
    file: '0021f2000001.boot',
    entries: [
      { key: 'include:config', value: 'y000000000000.cfg' },
      { key: 'include:config', value: '0021f2000001.cfg' },
    ],
    ignored: [],
  });
});

test('canonical keys the dialect does not express are reported as ignored', () => {
  const settings: Settings = {
    'accounts.1.user': '1001',
    'accounts.1.transport': 'tls',
    'firmware.version': '28.83.0.50',
    'firmware.url': 'http://10.20.0.92/fw.rom',
    'provisioning.resync_interval': 3600,
    'provisioning.auth_method': 'digest',
    'provisioning.overwrite_mode': true,
    'locale.language': 'ja',
    'native.fanvil.sip.line1.user': 'x',
    'native.yealink.bad=key': 'x',
  };
  const explanation = yealinkDriver.explain(recognised(`${MAC}.cfg`), context(settings));
  // firmware.version picks the catalogue's image (the pipeline), firmware.url is a line in
  // both dialects: neither is ignored.
  assert.deepEqual(explanation?.ignored, [
    'accounts.1.transport',
    'locale.language',
    'native.fanvil.sip.line1.user',
    'native.yealink.bad=key',
    'provisioning.auth_method',
    'provisioning.resync_interval',
  ]);
  // Yealink has keys for some of them.
  const yealink = yealinkDriver.explain(
    recognised(`${MAC}.cfg`),
    context(settings, { vendor: 'yealink' }),
  );
  assert.deepEqual(yealink?.ignored, [
    'locale.language',
    'native.fanvil.sip.line1.user',
    'native.yealink.bad=key',
    'provisioning.auth_method',
  ]);
});

test('a value of %NULL%, which a cfg reads as empty, is not written, and the explanation says so', () => {
  const settings: Settings = { 'accounts.1.user': '1001', 'accounts.1.password': '%NULL%' };
  const text = renderText(`${MAC}.cfg`, settings)!;
  assert.doesNotMatch(text, /account\.1\.password/);
  assert.match(text, /^account\.1\.user_name=1001$/m);
  const explanation = yealinkDriver.explain(recognised(`${MAC}.cfg`), context(settings));
  assert.ok(explanation?.ignored.includes('accounts.1.password'));
  assert.ok(explanation?.notes?.some((note) => /accounts\.1\.password is not written/.test(note)));
  // Within a value it is only text: the phone reads it as written.
  assert.match(renderText(`${MAC}.cfg`, { 'accounts.1.password': 'a%NULL%b' })!, /=a%NULL%b$/m);
});

test('native.yealink.<key> passes through verbatim and overrides a mapped key of the same name', () => {
  const settings: Settings = {
    'accounts.1.user': '1001',
    'accounts.1.label': 'Reception',
    'native.yealink.account.1.label': 'Front desk',
    'native.yealink.features.pound_key.mode': '2',
  };
  const explanation = yealinkDriver.explain(recognised(`${MAC}.cfg`), context(settings));
  const label = explanation?.entries.filter((e) => e.key === 'account.1.label');
  assert.deepEqual(label, [
    { key: 'account.1.label', value: 'Front desk', from: 'native.yealink.account.1.label' },
  ]);
  const text = renderText(`${MAC}.cfg`, settings)!;
  assert.match(text, /^account\.1\.label=Front desk$/m);
  assert.match(text, /^features\.pound_key\.mode=2$/m);
  assert.doesNotMatch(text, /Reception/);
});

test('native.flyingvoice.<key> is taken for Flyingvoice phones, and wins over native.yealink', () => {
  const settings: Settings = {
    'native.yealink.features.pound_key.mode': '1',
    'native.flyingvoice.features.pound_key.mode': '2',
  };
  assert.deepEqual(cfgValues(renderText(`${MAC}.cfg`, settings)!), {
    'features.pound_key.mode': '2',
  });
  const yealink = yealinkDriver.explain(
    recognised(`${MAC}.cfg`),
    context(settings, { vendor: 'yealink' }),
  );
  assert.deepEqual(yealink?.entries, [
    { key: 'features.pound_key.mode', value: '1', from: 'native.yealink.features.pound_key.mode' },
  ]);
  assert.deepEqual(yealink?.ignored, ['native.flyingvoice.features.pound_key.mode']);
});

test('Yealink dialect: transports, outbound proxy, provisioning and web keys', () => {
  const values = cfgValues(
    renderText(
      `${MAC}.cfg`,
      {
        'accounts.1.transport': 'tls',
        'accounts.2.transport': 'udp',
        'accounts.2.outbound_proxy': 'sbc.example.com',
        'provisioning.username': 'prov',
        'provisioning.password': 'prov-secret',
        'provisioning.resync_on_reset': true,
        'provisioning.resync_interval': 3600,
        'provisioning.pnp': false,
        'security.web_http': false,
        'security.web_https': true,
      },
      { vendor: 'yealink' },
    )!,
  );
  assert.deepEqual(values, {
    'account.1.sip_server.1.transport_type': '2',
    'account.2.sip_server.1.transport_type': '0',
    'account.2.outbound_proxy_enable': '1',
    'account.2.outbound_proxy.1.address': 'sbc.example.com',
    'static.auto_provision.server.username': 'prov',
    'static.auto_provision.server.password': 'prov-secret',
    'static.auto_provision.power_on': '1',
    'static.auto_provision.repeat.enable': '1',
    'static.auto_provision.repeat.minutes': '60',
    'static.auto_provision.pnp_enable': '0',
    'static.wui.http_enable': '0',
    'static.wui.https_enable': '1',
  });
});

test('Flyingvoice dialect: provisioning server, line keys with every type code', () => {
  const codes: Record<string, string> = {
    none: '0',
    dnd: '5',
    pickup: '9',
    call_park: '10',
    dtmf: '11',
    speed_dial: '13',
    intercom: '14',
    line: '15',
    blf: '16',
    private_hold: '20',
    group_pickup: '23',
    paging: '24',
  };
  const settings: Settings = {
    'provisioning.url': 'tftp://10.20.0.92/',
    'provisioning.username': 'FLY10619900045',
    'provisioning.password': 'FLY10619900045',
    'keys.1.pickup_value': '*8',
  };
  Object.keys(codes).forEach((type, i) => (settings[`keys.${i + 1}.type`] = type));
  const values = cfgValues(renderText('y000000000000.cfg', settings, { withDevice: false })!);
  assert.equal(values['auto_provision.server.url'], 'tftp://10.20.0.92/');
  assert.equal(values['auto_provision.server.username'], 'FLY10619900045');
  assert.equal(values['auto_provision.server.password'], 'FLY10619900045');
  assert.equal(values['linekey.1.pickup_value'], '*8');
  Object.values(codes).forEach((code, i) => assert.equal(values[`linekey.${i + 1}.type`], code));
});

test('every date format maps to its index in seed 001, and 24 h to 1', () => {
  const formats = [
    'WWW MMM DD',
    'DD-MMM-YY',
    'YYYY-MM-DD',
    'DD/MM/YYYY',
    'MM/DD/YY',
    'DD MMM YYYY',
    'WWW DD MMM',
  ];
  formats.forEach((format, index) => {
    const values = cfgValues(
      renderText('y000000000000.cfg', { 'time.date_format': format }, { withDevice: false })!,
    );
    assert.equal(values['local_time.date_format'], String(index), format);
  });
  const values = cfgValues(
    renderText('y000000000000.cfg', { 'time.time_format': '24h' }, { withDevice: false })!,
  );
  assert.equal(values['local_time.time_format'], '1');
});

test('time zone offsets: whole hours, half and quarter hours, negative, zero; the standard offset in summer too', () => {
  const summer = new Date('2024-07-15T12:00:00Z');
  for (const [zone, now, expected] of [
    ['Asia/Shanghai', undefined, '+8'],
    ['Asia/Kolkata', undefined, '+5:30'],
    ['Asia/Kathmandu', undefined, '+5:45'],
    ['America/St_Johns', undefined, '-3:30'],
    ['America/St_Johns', summer, '-3:30'],
    ['America/New_York', undefined, '-5'],
    ['America/New_York', summer, '-5'],
    ['Europe/London', undefined, '0'],
    ['UTC', undefined, '0'],
    ['Pacific/Kiritimati', undefined, '+14'],
  ] as const) {
    const values = cfgValues(
      renderText(
        'y000000000000.cfg',
        { 'time.timezone': zone },
        { withDevice: false, ...(now ? { now } : {}) },
      )!,
    );
    assert.equal(
      values['local_time.time_zone'],
      expected,
      `${zone} ${now?.toISOString() ?? 'winter'}`,
    );
  }
});

test('an unknown time zone is ignored, not guessed', () => {
  const explanation = yealinkDriver.explain(
    recognised('y000000000000.cfg'),
    context({ 'time.timezone': 'Mars/Olympus_Mons' }, { withDevice: false }),
  );
  assert.deepEqual(explanation?.entries, []);
  assert.deepEqual(explanation?.ignored, ['time.timezone']);
});

test('languages map to lang.gui names, regional tags fall back to the language', () => {
  for (const [tag, gui] of [
    ['en', 'English'],
    ['en-GB', 'English'],
    ['zh-CN', 'Chinese_S'],
    ['zh-TW', 'Chinese_T'],
    ['de', 'German'],
    ['de-AT', 'German'],
    ['fr', 'French'],
    ['es', 'Spanish'],
    ['it', 'Italian'],
    ['pt-BR', 'Portuguese'],
    ['ru', 'Russian'],
    ['pl', 'Polish'],
    ['tr', 'Turkish'],
  ] as const) {
    const values = cfgValues(
      renderText('y000000000000.cfg', { 'locale.language': tag }, { withDevice: false })!,
    );
    assert.equal(values['lang.gui'], gui, tag);
  }
});

test('an unknown vendor in the context falls back to the default dialect', () => {
  const text = renderText(`${MAC}.cfg`, { 'accounts.1.registrar': 'pbx' }, { vendor: 'unknown' });
  assert.equal(text, '#!version:1.0.0.1\naccount.1.sip_server_host=pbx\n');
});

test('an empty value clears the Yealink phone’s own (%NULL%); key= alone it would keep', () => {
  const settings = {
    'accounts.1.user': '1001',
    'accounts.1.label': '',
    'native.yealink.features.dnd.enable': '',
  };
  const yealink = renderText(`${MAC}.cfg`, settings, { vendor: 'yealink' })!;
  assert.match(yealink, /^account\.1\.label=%NULL%$/m);
  assert.match(yealink, /^features\.dnd\.enable=%NULL%$/m);
  // Flyingvoice documents no such word: its empty value stays empty.
  const flyingvoice = renderText(`${MAC}.cfg`, {
    ...settings,
    'native.flyingvoice.features.dnd.enable': '',
  })!;
  assert.match(flyingvoice, /^features\.dnd\.enable=$/m);
});
