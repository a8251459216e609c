import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { FirmwareTarget, RenderContext } from '../../../src/drivers/driver.ts';
import { yealinkDriver } from '../../../src/drivers/yealink/index.ts';
import type { Mac } from '../../../src/model/mac.ts';
import { parseSetting, type Settings } from '../../../src/model/settings.ts';
import { WINTER, device, golden, recognised } from './helpers.ts';

const BASE = '805ec0000077' as Mac;
const PROV = 'http://10.0.0.5/prov/';

/** Two accounts on one server, a third on another; two handsets sharing them out. */
const SYSTEM: Settings = {
  'accounts.1.user': '2001',
  'accounts.1.password': 'pw-2001',
  'accounts.1.display_name': 'Reception',
  'accounts.1.registrar': 'pbx.example.com',
  'accounts.1.registrar_port': 5060,
  'accounts.1.transport': 'udp',
  'accounts.2.user': '2002',
  'accounts.2.password': 'pw-2002',
  'accounts.2.registrar': 'pbx.example.com',
  'accounts.2.registrar_port': 5060,
  'accounts.2.transport': 'udp',
  'accounts.3.user': '2003',
  'accounts.3.password': 'pw-2003',
  'accounts.3.registrar': 'backup.example.com',
  'handsets.1.name': 'Reception',
  'handsets.1.accounts': ['1', '2'],
  'handsets.1.account': 2,
  'handsets.2.name': 'Warehouse',
  'handsets.2.accounts': ['3'],
  'time.timezone': 'Europe/Berlin',
  'time.time_format': '24h',
  'locale.language': 'de',
  'firmware.accessories': ['W56H=61.87.0.5', 'W73H=116.87.0.5'],
};

function target(model: string, version: string): FirmwareTarget {
  const fileName = `${model}-${version}.rom`;
  return {
    vendor: 'yealink',
    model,
    version,
    fileName,
    size: 1024,
    sha256: '0'.repeat(64),
    url: `${PROV}firmware/yealink/${model}/${version}/${fileName}`,
  };
}

function context(model: string, settings: Settings = SYSTEM): RenderContext {
  return {
    vendor: 'yealink',
    settings,
    baseUrl: PROV,
    now: WINTER,
    device: { ...device(settings, 'yealink', BASE), model },
    accessoryFirmware: [target('W56H', '61.87.0.5'), target('W73H', '116.87.0.5')],
  };
}

function cfg(model: string, settings?: Settings): string {
  return yealinkDriver.render(recognised(`${BASE}.cfg`), context(model, settings))!.body.toString();
}

test('golden: a W60B base — its accounts, handset names and lines, handset firmware over the air', () => {
  // Key names as public W60B templates write them (FusionPBX yealink/w60b/y000000000077.cfg:
  // handset.X.name, handset.X.incoming_lines, handset.X.dial_out_lines,
  // handset.X.dial_out_default_line, over_the_air.url.w56h).
  assert.equal(cfg('W60B'), golden('dect/w60b-805ec0000077.cfg'));
});

test('golden: a W80 DECT manager — accounts point at one server template per distinct server', () => {
  // template.N.sip_server.1.* and account.N.sip_server.template as wazo-provd-plugins'
  // Yealink v87 base-dect.tpl writes them for the W75/W80/W90 multi-cell systems.
  assert.equal(cfg('W80DM'), golden('dect/w80dm-805ec0000077.cfg'));
  const explained = yealinkDriver.explain(recognised(`${BASE}.cfg`), context('W80DM'));
  assert.deepEqual(explained?.notes?.slice(0, 2), [
    'server template 1 (pbx.example.com) for accounts 1,2',
    'server template 2 (backup.example.com) for accounts 3',
  ]);
  const template = explained!.entries.find((e) => e.key === 'template.2.sip_server.1.address');
  assert.equal(template?.from, 'accounts.3.registrar');
  assert.ok(!explained!.ignored.some((k) => k.startsWith('accounts.')));
});

test('a handset past what the base registers, or a default account it does not have, is not written', () => {
  const settings: Settings = {
    'handsets.8.name': 'Eighth',
    'handsets.9.name': 'Ninth',
    'handsets.1.accounts': ['1'],
    'handsets.1.account': 3,
  };
  const explained = yealinkDriver.explain(recognised(`${BASE}.cfg`), context('W60B', settings));
  const keys = explained!.entries.map((e) => e.key);
  assert.ok(keys.includes('handset.8.name'));
  assert.ok(!keys.some((k) => k.startsWith('handset.9.')));
  assert.ok(!keys.includes('handset.1.dial_out_default_line'));
  assert.deepEqual(explained!.ignored, ['handsets.1.account', 'handsets.9.name']);
});

test('a desk phone writes no handset and no over-the-air line, and says so', () => {
  const text = cfg('T46S');
  assert.doesNotMatch(text, /^(handset|over_the_air|template)\./m);
  assert.match(text, /^account\.1\.sip_server\.1\.address=pbx\.example\.com$/m);
  assert.match(text, /^lang\.gui=German$/m);
  const explained = yealinkDriver.explain(recognised(`${BASE}.cfg`), context('T46S'));
  assert.ok(explained!.ignored.includes('handsets.1.name'));
  assert.ok(explained!.ignored.includes('firmware.accessories'));
});

test('only handset images go over the air; an expansion module image is not a handset', () => {
  const ctx = { ...context('W70B'), accessoryFirmware: [target('EXP50', '1.0.0.1')] };
  const explained = yealinkDriver.explain(recognised(`${BASE}.cfg`), ctx);
  assert.ok(!explained!.entries.some((e) => e.key.startsWith('over_the_air.')));
  assert.ok(explained!.ignored.includes('firmware.accessories'));
});

test('handset keys are validated: a name, account numbers, a default account', () => {
  assert.deepEqual(parseSetting('handsets.3.accounts', '1, 4'), { ok: true, value: ['1', '4'] });
  assert.equal(parseSetting('handsets.3.accounts', '0,4').ok, false);
  assert.equal(parseSetting('handsets.3.accounts', 'one').ok, false);
  assert.equal(parseSetting('handsets.3.account', '65').ok, false);
  assert.equal(parseSetting('handsets.3.name', 'x'.repeat(33)).ok, false);
  assert.deepEqual(parseSetting('firmware.accessories', 'W56H=61.87.0.5,CP930W=87.85.0.20'), {
    ok: true,
    value: ['W56H=61.87.0.5', 'CP930W=87.85.0.20'],
  });
  assert.equal(parseSetting('firmware.accessories', 'W56H').ok, false);
  assert.equal(parseSetting('firmware.accessories', '=61.87.0.5').ok, false);
});

test("a handset's image asked for by name is the catalogue image offered to the base", () => {
  const image = yealinkDriver.recognise({
    segments: ['W73H-116.87.0.5.rom'],
    query: '',
    transport: 'http',
  })!;
  assert.deepEqual(yealinkDriver.firmwareImage!(image, context('W60B')), {
    vendor: 'yealink',
    model: 'W73H',
    version: '116.87.0.5',
  });
  const other = { ...image, params: { name: 'W59R-115.87.0.5.rom' } };
  assert.equal(yealinkDriver.firmwareImage!(other, context('W60B')), undefined);
});
