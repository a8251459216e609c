import assert from 'node:assert/strict';
import { test } from 'node:test';

import { decodeText } from '../../../src/formats/dhcp-options.ts';
import type { PnpSubscribe } from '../../../src/drivers/driver.ts';
import { gigasetDriver } from '../../../src/drivers/gigaset/index.ts';
import { snomDriver } from '../../../src/drivers/snom/index.ts';
import type { Mac } from '../../../src/model/mac.ts';
import { readPnpSubscribe } from '../../../src/sip/pnp.ts';
import { parseMessage } from '../../../src/sip/parse.ts';
import { MAC, device } from './helpers.ts';

const STRANGER = 'aabbcc000001' as Mac;

function subscribe(overrides: Partial<PnpSubscribe> = {}): PnpSubscribe {
  return { mac: MAC, macForm: 'MAC%3a', ...overrides };
}

// Snom wiki, SIP Plug & Play (service.snom.com, pageId 234339774): the SUBSCRIBE a phone sends.
const WIKI_SUBSCRIBE = [
  'SUBSCRIBE sip:MAC%3a00135E874B49@intern.snom.de SIP/2.0',
  'Via: SIP/2.0/UDP 192.168.10.67:5060;rport',
  'From: <sip:MAC%3a00135E874B49@intern.snom.de>;tag=658512961',
  'To: <sip:MAC%3a00135E874B49@intern.snom.de>',
  'Call-ID: 1930770594@192.168.10.67',
  'CSeq: 1 SUBSCRIBE',
  'Event: ua-profile;profile-type="device";vendor="OEM";model="OEM";version="7.1.19"',
  'Expires: 0',
  'Accept: application/url',
  'Contact: <sip:192.168.10.67:5060>',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

test("the wiki's SUBSCRIBE is read; claims: Event vendor, then a snom model, then Snom's MAC block", () => {
  const parsed = parseMessage(Buffer.from(WIKI_SUBSCRIBE));
  assert.ok(parsed.ok && parsed.value.kind === 'request');
  const read = readPnpSubscribe(parsed.value);
  assert.ok(read.ok);
  assert.deepEqual([read.subscribe.mac, read.subscribe.macForm], ['00135e874b49', 'MAC%3a']);
  const claims = snomDriver.claimsPnp!;
  // vendor="OEM" and a MAC outside Snom's block: the wiki's own example proves nothing.
  assert.equal(claims(read.subscribe), undefined);
  assert.deepEqual(claims(subscribe({ mac: STRANGER, vendor: 'snom', model: 'snomM700' })), {
    vendor: 'snom',
    score: 100,
  });
  assert.deepEqual(claims(subscribe({ mac: STRANGER, model: 'snomD385' })), {
    vendor: 'snom',
    score: 90,
  });
  assert.deepEqual(claims(subscribe()), { vendor: 'snom', score: 60 });
  // A Maxwell in the same form stays Gigaset's.
  const maxwell = subscribe({ mac: '7c2f80000001' as Mac, vendor: 'Gigaset' });
  assert.equal(claims(maxwell), undefined);
  assert.equal(gigasetDriver.claimsPnp!(maxwell)?.vendor, 'gigaset');
});

test('the NOTIFY body: the setting server directory, HTTPS, else HTTP, else TFTP', () => {
  const url = snomDriver.plugAndPlayUrl!;
  const doors = { http: 'http://192.168.100.10', tftp: 'tftp://192.168.100.10' };
  const ctx = { vendor: 'snom', settings: {}, device: device({}) };
  assert.equal(url(subscribe(), { ...ctx, doors }), 'http://192.168.100.10/');
  assert.equal(
    url(subscribe(), { ...ctx, doors: { ...doors, https: 'https://prov.example.com/snom' } }),
    'https://prov.example.com/snom/',
  );
  assert.equal(
    url(subscribe(), { ...ctx, doors: { tftp: 'tftp://192.168.100.10' } }),
    'tftp://192.168.100.10/',
  );
  assert.equal(url(subscribe(), { ...ctx, doors: {} }), undefined);
});

test('check-sync: reboot=false to reload, reboot=true to restart', () => {
  assert.equal(snomDriver.checkSync!(device({}), { reboot: false }), 'check-sync;reboot=false');
  assert.equal(snomDriver.checkSync!(device({}), { reboot: true }), 'check-sync;reboot=true');
});

test('the emulated SUBSCRIBE: MAC%3a and the capitals of the wiki, vendor snom, its phone type', () => {
  assert.deepEqual(
    snomDriver.phone.plugAndPlay!({
      mac: MAC,
      vendor: 'snom',
      model: 'D385',
      firmware: '10.1.184.15',
    }),
    {
      user: 'MAC%3a000413A11FA7',
      vendor: 'snom',
      model: 'snomD385',
      version: '10.1.184.15',
    },
  );
});

test('DHCP: option 66 with the setting server URL, matched by option 60 snom… or 00:04:13', () => {
  const dhcp = snomDriver.dhcp!;
  assert.deepEqual(dhcp.vendorClasses, { snom: ['snom'] });
  assert.deepEqual(dhcp.macPrefixes, { snom: ['000413'] });
  const offer = dhcp.offer('snom', {
    doors: { http: 'http://10.0.0.5', tftp: 'tftp://10.0.0.5' },
  })!;
  assert.equal(offer.url, 'http://10.0.0.5/');
  assert.deepEqual(
    offer.options.map((o) => o.code),
    [66],
  );
  const derived = dhcp.derive('snom', new Map([[66, Buffer.from(offer.url)]]), {});
  assert.deepEqual(derived, {
    url: 'http://10.0.0.5/',
    from: [66],
    start: { baseUrl: 'http://10.0.0.5/' },
  });
  // A bare host is a TFTP server, 67 the file.
  const tftp = dhcp.derive(
    'snom',
    new Map([
      [66, Buffer.from('10.0.0.5')],
      [67, Buffer.from('snomD385.htm')],
    ]),
    {},
  )!;
  assert.equal(tftp.url, 'tftp://10.0.0.5/snomD385.htm');
  assert.deepEqual(tftp.from, [66, 67]);
  assert.equal(decodeText(Buffer.from('x\0y')), 'x');
});
