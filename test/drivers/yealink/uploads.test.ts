import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseCfg } from '../../../src/formats/cfg.ts';
import { yealinkDriver } from '../../../src/drivers/yealink/index.ts';
import type { Mac } from '../../../src/model/mac.ts';
import type { Settings } from '../../../src/model/settings.ts';
import { WINTER, device, recognised } from './helpers.ts';

// The MAC of the administrator guides' example (Yealink SIP-T2/T4/T5 Administrator's Guide,
// "MAC CFG File": 00156574B150 → 00156574b150-local.cfg; "Directory": 00156574b150-contact.xml).
const MAC = '00156574b150' as Mac;

function cfg(settings: Settings, baseUrl = 'http://10.0.0.5/prov/'): Record<string, string> {
  const artifact = yealinkDriver.render(recognised(`${MAC}.cfg`), {
    vendor: 'yealink',
    settings,
    baseUrl,
    now: WINTER,
    device: { ...device(settings, 'yealink', MAC), model: 'T54W' },
  });
  const parsed = parseCfg(artifact!.body.toString('utf8'));
  assert.ok(parsed.ok);
  return Object.fromEntries(parsed.value);
}

test("the guides' own names: <MAC>-local.cfg and <MAC>-contact.xml, lowercase, are the phone's writes", () => {
  for (const [asked, written] of [
    ['00156574B150-local.cfg', '00156574b150-local.cfg'],
    ['00156574b150-contact.xml', '00156574b150-contact.xml'],
  ]) {
    const recognition = recognised(asked!);
    assert.equal(recognition.writable, written);
    // The server has nothing to render for them: what the phone sent is what is served back.
    assert.equal(
      yealinkDriver.render(recognition, {
        vendor: 'yealink',
        settings: {},
        baseUrl: 'http://10.0.0.5/',
        now: WINTER,
        device: device({}, 'yealink', MAC),
      }),
      undefined,
    );
  }
});

test('provisioning.uploads=store: local changes win and go back by PUT, with the local contacts', () => {
  assert.deepEqual(
    Object.entries(cfg({ 'provisioning.uploads': 'store' })).filter(([k]) =>
      k.startsWith('static.auto_provision.'),
    ),
    [
      ['static.auto_provision.custom.protect', '1'],
      ['static.auto_provision.custom.sync', '1'],
      ['static.auto_provision.custom.upload_method', '0'],
      ['static.auto_provision.custom.sync.path', 'http://10.0.0.5/prov/'],
      ['static.auto_provision.local_contact.backup.enable', '1'],
      ['static.auto_provision.local_contact.backup.path', 'http://10.0.0.5/prov/'],
    ],
  );
});

test('over TFTP no upload path is written: the phone sends to its provisioning server URL', () => {
  const values = cfg(
    { 'provisioning.uploads': 'store', 'provisioning.url': 'https://prov.example.com/' },
    'tftp://10.0.0.5/',
  );
  assert.equal(values['static.auto_provision.custom.sync'], '1');
  assert.equal(values['static.auto_provision.custom.sync.path'], undefined);
  assert.equal(values['static.auto_provision.local_contact.backup.path'], undefined);
  assert.equal(values['static.auto_provision.server.url'], 'https://prov.example.com/');
});

test('provisioning.uploads=discard: the phone is told to keep its files to itself; unset says nothing', () => {
  const discard = cfg({ 'provisioning.uploads': 'discard' });
  assert.equal(discard['static.auto_provision.custom.sync'], '0');
  assert.equal(discard['static.auto_provision.local_contact.backup.enable'], '0');
  assert.equal(discard['static.auto_provision.custom.protect'], undefined);
  assert.ok(!Object.keys(cfg({})).some((k) => k.includes('custom.') || k.includes('backup')));
  // The phone's own priority can be turned back off: then only the contacts are sent.
  const serverWins = cfg({
    'provisioning.uploads': 'store',
    'native.yealink.static.auto_provision.custom.protect': '0',
  });
  assert.equal(serverWins['static.auto_provision.custom.protect'], '0');
});
