import assert from 'node:assert/strict';
import { test } from 'node:test';

import { yealinkDriver } from '../../../src/drivers/yealink/index.ts';
import { keyPrefix } from '../../../src/drivers/yealink/keys.ts';
import { modelInfo } from '../../../src/drivers/yealink/models.ts';
import type { Mac } from '../../../src/model/mac.ts';
import type { Settings } from '../../../src/model/settings.ts';
import { WINTER, device, golden, recognised } from './helpers.ts';

const MAC = '0015654aa937' as Mac;

const PHONE: Settings = {
  'accounts.1.user': '1001',
  'accounts.1.password': 's3cret',
  'accounts.1.registrar': 'pbx.example.com',
  'accounts.1.transport': 'tcp',
  'provisioning.url': 'http://prov.example.com/',
  'provisioning.resync_interval': 86_400,
  'provisioning.resync_from_sip': true,
  'firmware.url': 'http://prov.example.com/fw/phone.rom',
};

/** Renders this MAC's cfg for a device of that model, reporting that firmware (or nothing). */
function macCfg(model: string | undefined, settings: Settings, firmware?: string): string {
  const own = device(settings, 'yealink', MAC);
  const artifact = yealinkDriver.render(recognised(`${MAC}.cfg`), {
    vendor: 'yealink',
    settings,
    baseUrl: 'http://prov.example.com/',
    now: WINTER,
    device: model ? { ...own, model } : own,
    ...(firmware ? { reported: { firmware } } : {}),
  });
  return artifact!.body.toString('utf8');
}

function keys(count: number, first = 1): Settings {
  const out: Settings = {};
  for (let n = first; n < first + count; n++) {
    out[`keys.${n}.type`] = 'blf';
    out[`keys.${n}.value`] = String(2000 + n);
    out[`keys.${n}.pickup_value`] = '*8';
  }
  return out;
}

test('canonical keys fill the line keys, then memory keys, then the expansion modules in order', () => {
  const t46s = modelInfo('T46S');
  assert.equal(keyPrefix(1, t46s), 'linekey.1');
  assert.equal(keyPrefix(27, t46s), 'linekey.27');
  assert.equal(keyPrefix(28, t46s), 'expansion_module.1.key.1');
  assert.equal(keyPrefix(67, t46s), 'expansion_module.1.key.40');
  assert.equal(keyPrefix(68, t46s), 'expansion_module.2.key.1');
  assert.equal(keyPrefix(27 + 6 * 40, t46s), 'expansion_module.6.key.40');
  assert.equal(keyPrefix(27 + 6 * 40 + 1, t46s), undefined);
  const t28p = modelInfo('T28P');
  assert.equal(keyPrefix(6, t28p), 'linekey.6');
  assert.equal(keyPrefix(7, t28p), 'memorykey.1');
  assert.equal(keyPrefix(16, t28p), 'memorykey.10');
  assert.equal(keyPrefix(17, t28p), undefined);
  const t54w = modelInfo('T54W');
  assert.equal(keyPrefix(28, t54w), 'expansion_module.1.key.1');
  assert.equal(keyPrefix(88, t54w), 'expansion_module.2.key.1');
  assert.equal(keyPrefix(1, modelInfo('CP920')), undefined);
  assert.equal(keyPrefix(1, modelInfo('W60B')), undefined);
  // A phone whose model nobody knows keeps the line keys every generation reads.
  assert.equal(keyPrefix(40, undefined), 'linekey.40');
});

test('golden: a T46S on V86 — static keys, line keys then the first EXP40 module, pickup codes as extension', () => {
  const text = macCfg('SIP-T46S', { ...PHONE, ...keys(2, 27) }, '66.86.0.15');
  assert.equal(text, golden('generations/t46s-v86.cfg'));
});

test('golden: a T28P on V73 — no static. prefix, account.N.transport, memory keys with pickup_value', () => {
  const text = macCfg('T28P', { ...PHONE, ...keys(2, 6), ...keys(1, 17) });
  assert.equal(text, golden('generations/t28p-v73.cfg'));
  // Key 17 is past the T28P's last memory key: not written, and said so.
  const explained = yealinkDriver.explain(recognised(`${MAC}.cfg`), {
    vendor: 'yealink',
    settings: { ...keys(1, 17) },
    baseUrl: 'http://prov.example.com/',
    now: WINTER,
    device: { ...device({}, 'yealink', MAC), model: 'T28P' },
  });
  assert.deepEqual(explained?.ignored, ['keys.17.pickup_value', 'keys.17.type', 'keys.17.value']);
});

test('the firmware a phone reports decides, whatever its model: a T46G on V80 has no static. keys', () => {
  const v80 = macCfg('T46G', PHONE, '28.80.0.95');
  assert.match(v80, /^auto_provision\.server\.url=http:\/\/prov\.example\.com\/$/m);
  assert.match(v80, /^firmware\.url=/m);
  assert.match(v80, /^account\.1\.sip_server\.1\.transport_type=1$/m);
  assert.doesNotMatch(v80, /^static\./m);
  const v83 = macCfg('T46G', PHONE, '28.83.0.120');
  assert.match(v83, /^static\.auto_provision\.server\.url=/m);
  assert.match(v83, /^static\.firmware\.url=/m);
  const v73 = macCfg('T46G', PHONE, '28.73.0.50');
  assert.match(v73, /^account\.1\.transport=1$/m);
  // A native key is written as given, prefix and all.
  const native = macCfg('T46G', { 'native.yealink.static.foo': 'bar' }, '28.73.0.50');
  assert.match(native, /^static\.foo=bar$/m);
});

test('firmware of V70 and before reads the flat server keys; from V71 the numbered ones', () => {
  const proxied: Settings = {
    ...PHONE,
    'accounts.1.registrar_port': 5070,
    'accounts.1.outbound_proxy': 'sbc.example.com',
    'accounts.1.outbound_proxy_port': 5080,
  };
  const v70 = macCfg('T28P', proxied, '2.70.0.140');
  assert.match(v70, /^account\.1\.sip_server_host=pbx\.example\.com$/m);
  assert.match(v70, /^account\.1\.sip_server_port=5070$/m);
  assert.match(v70, /^account\.1\.transport=1$/m);
  assert.match(v70, /^account\.1\.outbound_host=sbc\.example\.com$/m);
  assert.match(v70, /^account\.1\.outbound_port=5080$/m);
  assert.doesNotMatch(v70, /sip_server\.1\.|outbound_proxy/);
  const v72 = macCfg('T28P', proxied, '2.72.0.1');
  assert.match(v72, /^account\.1\.sip_server\.1\.address=pbx\.example\.com$/m);
  assert.match(v72, /^account\.1\.outbound_proxy\.1\.address=sbc\.example\.com$/m);
  assert.doesNotMatch(v72, /sip_server_host|outbound_host/);
});

test('check-sync resyncs without a reboot unless asked (sip.notify_reboot_enable=0); off ignores it (2)', () => {
  assert.match(macCfg('T46S', PHONE), /^sip\.notify_reboot_enable=0$/m);
  assert.match(
    macCfg('T46S', { 'provisioning.resync_from_sip': false }),
    /^sip\.notify_reboot_enable=2$/m,
  );
  assert.doesNotMatch(macCfg('T46S', {}), /notify_reboot/);
});

test('the admin password goes in as the admin user: static.security.user_password=admin:…', () => {
  assert.match(
    macCfg('T46S', { 'security.admin_password': 'Adm1n:pw' }),
    /^static\.security\.user_password=admin:Adm1n:pw$/m,
  );
});

test("the MAC boot file of a phone whose model is known names its model's file", () => {
  const render = (model?: string): string =>
    yealinkDriver
      .render(recognised(`${MAC}.boot`), {
        vendor: 'yealink',
        settings: {},
        baseUrl: 'http://prov.example.com/',
        now: WINTER,
        device: { ...device({}, 'yealink', MAC), ...(model ? { model } : {}) },
      })!
      .body.toString('utf8');
  assert.match(
    render('W60B'),
    /^include:config "y000000000077\.cfg"\ninclude:config "0015654aa937\.cfg"$/m,
  );
  assert.match(render(), /^include:config "y000000000000\.cfg"$/m);
  assert.match(render('T28P'), /^include:config "y000000000000\.cfg"$/m);
});

test('the per-model file is written for the model its number names, or the agent among several', () => {
  const settings: Settings = { ...keys(1, 28), 'provisioning.url': 'http://prov.example.com/' };
  const render = (name: string, model?: string): string =>
    yealinkDriver
      .render(recognised(name), {
        vendor: 'yealink',
        settings,
        baseUrl: 'http://prov.example.com/',
        now: WINTER,
        ...(model ? { reported: { model } } : {}),
      })!
      .body.toString('utf8');
  // 28 is a T46G: its 28th key is the first of its expansion module.
  assert.match(render('y000000000028.cfg'), /^expansion_module\.1\.key\.1\.type=16$/m);
  // 95 is the T53 and the T53W (21 line keys each): key 28 is on the module for both.
  assert.match(render('y000000000095.cfg', 'SIP-T53W'), /^expansion_module\.1\.key\.7\.type=16$/m);
  // A number no model has: written as for a phone of unknown model.
  assert.match(render('y000000000999.cfg'), /^linekey\.28\.type=16$/m);
});
