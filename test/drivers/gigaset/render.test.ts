import assert from 'node:assert/strict';
import { test } from 'node:test';

import { writeXml, parseXml } from '../../../src/formats/xml.ts';
import {
  provisioningDocument,
  scenarioDocument,
  updatesDocument,
} from '../../../src/drivers/gigaset/documents.ts';
import { gigasetDriver } from '../../../src/drivers/gigaset/index.ts';
import type { Mac } from '../../../src/model/mac.ts';
import type { Settings } from '../../../src/model/settings.ts';
import { MAC, context, golden, recognised, renderText } from './helpers.ts';

/** Seed 002's settings example: its account through canonical keys, the rest natively. */
const SEED_SETTINGS: Settings = {
  'accounts.1.label': 'IP1',
  'accounts.1.enabled': true,
  'accounts.1.auth_user': ' AuthName ',
  'accounts.1.password': 'Pass',
  'accounts.1.display_name': 'DisplayName',
  'accounts.1.user': 'Username ',
  'accounts.1.registrar': 'sip.registration.com',
  'accounts.1.registrar_port': 5060,
  'accounts.1.outbound_proxy': 'sip.proxy.com',
  'accounts.1.outbound_proxy_port': 5060,
  'native.gigaset.SIP.LogLevel': '4',
  'native.gigaset.SIP.TransportProtocol': '1',
  'native.gigaset.SIP.Port': '5060',
  'native.gigaset.SIP.Timers.Session': '3600',
  'native.gigaset.SIP.Timers.FailedRegistration': '300',
  'native.gigaset.SIP.Timers.Subscription': '1800',
  'native.gigaset.SIP.PRACK': '1',
  'native.gigaset.SIP.RTP.Port': '8000',
  'native.gigaset.SIP.RTP.UseRandomPorts': '0',
  'native.gigaset.SIP.RTP.UseSymmetricPorts': '0',
  'native.gigaset.SIP.RTP.UseRTCP': '0',
  'native.gigaset.SIP.RTP.Duration': '20',
  'native.gigaset.SIP.Security.AcceptNonSRTPCalls': '1',
  'native.gigaset.SIP.AvailableCodecs': '0',
  'native.gigaset.SIP.ActiveCodecs': '0',
  'native.gigaset.SIP.DefaultAccount': '0',
  'native.gigaset.SIP.Account.0.Provider': 'Provider',
  'native.gigaset.SIP.Account.0.Domain': 'sip.domain.com',
  'native.gigaset.SIP.Account.0.CLIPSource': '2',
  'native.gigaset.SIP.Account.0.CLIR': '0',
  'native.gigaset.SIP.Account.0.ProxyServer.Address': 'sip.proxy.com',
  'native.gigaset.SIP.Account.0.RegistrationServer.RefreshTimer': '180',
  'native.gigaset.SIP.Account.0.STUN.Enabled': '1',
  'native.gigaset.SIP.Account.0.STUN.Address': 'sip.stun.com',
  'native.gigaset.SIP.Account.0.STUN.Port': '3478',
  'native.gigaset.SIP.Account.0.STUN.RefreshTimer': '240',
  'native.gigaset.SIP.Account.0.STUN.NATRefreshTimer': '20',
  'native.gigaset.SIP.Account.0.OutboundProxy.Mode': '2',
  'native.gigaset.SIP.Account.0.DTMFTransmission': '1',
  'native.gigaset.SIP.Account.0.AutoNegOfDTMFTransmission': '1',
};

const OFFICE: Settings = {
  'accounts.1.user': '1001',
  'accounts.1.password': 's3cret',
  'accounts.1.display_name': 'Reception & Desk',
  'accounts.1.registrar': 'pbx.example.com',
  'accounts.2.user': '1002',
  'accounts.2.password': 'other',
  'accounts.2.registrar': 'pbx.example.com',
  'firmware.url': 'http://10.0.0.5/firmware/GC_MAX_2.22.7.bin',
  'firmware.version': '2.22.7',
  'resources.certificate': 'certs/ca.pem',
};

function params(text: string): [string, string][] {
  const parsed = parseXml(text);
  assert.ok(parsed.ok);
  const root = parsed.value.children[0]!;
  return root.children.map((p) => [p.attributes['name']!, p.attributes['value']!]);
}

test('golden: seed 002 provisioning.xml, its three categories in order', () => {
  const root = provisioningDocument('mx3b', [
    { type: 'firmware', url: 'http://my_server/maxwell3/firmware/updates.xml' },
    { type: 'nvm', url: 'http://my_server/maxwell3/nvm/updates.xml' },
    { type: 'custom', url: 'http://my_server/maxwell3/custom/updates.xml' },
  ]);
  assert.equal(writeXml(root), golden('seed-provisioning.xml'));
});

test('golden: seed 002 updates files (firmware "latest", nvm with macAddress and two files)', () => {
  const firmware = updatesDocument('firmware', 'mx3b', [
    {
      version: '2015-01-01_01:01:01',
      type: 'latest',
      url: 'http://my_server/maxwell3/firmware/v1/GC_mx_3.bin',
    },
  ]);
  assert.equal(writeXml(firmware), golden('seed-firmware-updates.xml'));
  const nvm = updatesDocument(
    'nvm',
    'mx3b',
    [
      { version: '2015-01-01_01:01:01', url: 'http://my_server/maxwell3/nvm/mx3_version1.xml' },
      { version: '2015-02-02_02:02:02', url: 'http://my_server/maxwell3/nvm/mx3_version1.xml' },
    ],
    '90:1b:0e:56:c7:bc',
  );
  assert.equal(writeXml(nvm), golden('seed-nvm-updates.xml'));
});

test('golden: seed 002 custom scenario with a certificate step', () => {
  const root = scenarioDocument('2015-01-01_01:01:01', 'mx3b', [
    { url: 'http://server.address.com/certificates/certificate.pem', flags: 'FORCE_ACCEPT' },
  ]);
  assert.equal(writeXml(root), golden('seed-scenario.xml'));
});

test('golden: seed 002 settings file, every parameter in the seed order, from canonical and native keys', () => {
  const mac = '7c2f80000000' as Mac;
  const text = renderText(`${mac}/nvm/settings.xml`, SEED_SETTINGS, { mac });
  assert.equal(text, golden('seed-settings.xml'));
  // The seed's own file, as written (comment, odd spacing), carries the same parameters.
  assert.deepEqual(params(text!), params(golden('seed-settings.raw.xml')));
});

test("golden: a device's 1.0 chain — provisioning.xml, each updates file, the settings file", () => {
  assert.equal(renderText(MAC, OFFICE), golden('7c2f80000001-provisioning.xml'));
  assert.equal(
    renderText(`${MAC}/provisioning.xml`, OFFICE),
    golden('7c2f80000001-provisioning.xml'),
  );
  assert.equal(
    renderText(`${MAC}/firmware/updates.xml`, OFFICE),
    golden('7c2f80000001-firmware-updates.xml'),
  );
  assert.equal(
    renderText(`${MAC}/nvm/updates.xml`, OFFICE),
    golden('7c2f80000001-nvm-updates.xml'),
  );
  assert.equal(
    renderText(`${MAC}/custom/updates.xml`, OFFICE),
    golden('7c2f80000001-custom-updates.xml'),
  );
  assert.equal(
    renderText(`${MAC}/nvm/settings_2026-03-01_12-00-00.xml`, OFFICE),
    golden('7c2f80000001-settings.xml'),
  );
});

test('golden: the 1.1 single file, chosen by provisioning.layout', () => {
  const single = { ...OFFICE, 'provisioning.layout': 'single' };
  assert.equal(renderText(MAC, single), golden('7c2f80000001-single.xml'));
  // The chain's other files do not exist in this form.
  assert.equal(renderText(`${MAC}/nvm/updates.xml`, single), undefined);
  assert.deepEqual(gigasetDriver.versionedContent!(recognised(`x/${MAC}`), context(single)), []);
});

test('a settings file named by a UVC that is not current is not served', () => {
  assert.equal(renderText(`${MAC}/nvm/settings_2026-01-01_00-00-00.xml`, OFFICE), undefined);
  assert.ok(renderText(`${MAC}/nvm/settings_2026-03-01_12-00-00.xml`, OFFICE));
  // Without versions from the store nothing versioned is served.
  assert.equal(renderText(`${MAC}/nvm/updates.xml`, OFFICE, { versions: {} }), undefined);
});

test('categories without content are left out; their updates files do not exist', () => {
  const plain = { 'accounts.1.user': '1001' };
  const text = renderText(MAC, plain)!;
  assert.match(text, /type="nvm"/);
  assert.doesNotMatch(text, /type="firmware"|type="custom"/);
  assert.equal(renderText(`${MAC}/firmware/updates.xml`, plain), undefined);
  assert.equal(renderText(`${MAC}/custom/updates.xml`, plain), undefined);
});

test('accounts are 0-based: accounts.2 is SIP.Account.1; unknown native names keep their place after', () => {
  const text = renderText(`${MAC}/nvm/settings.xml`, {
    'accounts.2.user': '2002',
    'native.gigaset.SIP.Account.3.Username': 'x',
    'native.gigaset.PhoneUI.Settings.KeyClick': '221122',
  })!;
  assert.deepEqual(params(text), [
    ['SIP.Account.1.Active', '1'],
    ['SIP.Account.1.AuthName', '2002'],
    ['SIP.Account.1.Username', '2002'],
    ['SIP.Account.3.Username', 'x'],
    ['PhoneUI.Settings.KeyClick', '221122'],
  ]);
});

test('productID per model, an override for unpublished ones, and the MAC lowercase with colons', () => {
  const settings = { 'accounts.1.user': '1' };
  assert.match(renderText(MAC, settings, { model: 'Maxwell 4' })!, /productID="mx3b"/);
  assert.match(
    renderText(MAC, { ...settings, 'native.gigaset.productID': 'mx4' })!,
    /productID="mx4"/,
  );
  // An override that could not stand in an attribute is ignored, not written.
  assert.match(
    renderText(MAC, { ...settings, 'native.gigaset.productID': 'a"b' })!,
    /productID="mx3b"/,
  );
  assert.match(renderText(`${MAC}/nvm/settings.xml`, settings)!, /macAddress="7c:2f:80:00:00:01"/);
});

test('UVC content: the same whatever door or prefix, new when one account changes, per category', () => {
  const contentOf = (settings: Settings, file: string, baseUrl?: string): string =>
    JSON.stringify(
      gigasetDriver.versionedContent!(
        recognised(`gigaset/${MAC}/${file}`),
        context(settings, baseUrl ? { baseUrl } : {}),
      ),
    );
  const nvm = contentOf(OFFICE, 'nvm/updates.xml');
  assert.equal(contentOf(OFFICE, 'nvm/updates.xml', 'https://prov.example.com:8443/x/'), nvm);
  assert.equal(contentOf(OFFICE, 'nvm/settings.xml'), nvm);
  assert.notEqual(contentOf({ ...OFFICE, 'accounts.2.user': '1003' }, 'nvm/updates.xml'), nvm);
  const firmware = contentOf(OFFICE, 'firmware/updates.xml');
  assert.equal(
    contentOf({ ...OFFICE, 'accounts.2.user': '1003' }, 'firmware/updates.xml'),
    firmware,
  );
  assert.equal(
    contentOf(OFFICE, 'custom/updates.xml', 'https://other/'),
    contentOf(OFFICE, 'custom/updates.xml'),
  );
  assert.equal(contentOf(OFFICE, 'provisioning.xml'), '[]');
});

test('explain: the parameters and where each came from; keys the dialect cannot say', () => {
  const explained = gigasetDriver.explain(
    recognised(`gigaset/${MAC}/nvm/settings.xml`),
    context({ ...OFFICE, 'time.timezone': 'Europe/Berlin' }),
  )!;
  assert.equal(explained.file, `${MAC}/nvm/settings_2026-03-01_12-00-00.xml`);
  assert.deepEqual(explained.entries[0], {
    key: 'SIP.Account.0.Active',
    value: '1',
    from: 'accounts.1.user',
  });
  assert.ok(explained.entries.some((e) => e.from === 'accounts.1.password'));
  assert.deepEqual(explained.ignored, ['time.timezone']);
});

test('the URL a phone wants: the HTTPS door if there is one, with %MACD for the phone to fill', () => {
  assert.equal(
    gigasetDriver.provisioningUrl!({ http: 'http://10.0.0.5:8080', https: 'https://10.0.0.5' }),
    'https://10.0.0.5/gigaset/%MACD',
  );
  assert.equal(
    gigasetDriver.provisioningUrl!({ http: 'http://10.0.0.5/' }),
    'http://10.0.0.5/gigaset/%MACD',
  );
  assert.equal(gigasetDriver.provisioningUrl!({ tftp: 'tftp://10.0.0.5' }), undefined);
});
