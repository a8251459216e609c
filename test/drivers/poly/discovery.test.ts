import assert from 'node:assert/strict';
import { test } from 'node:test';

import { directoryFile } from '../../../src/drivers/poly/directory.ts';
import { polyDriver } from '../../../src/drivers/poly/index.ts';
import { device } from './helpers.ts';

test('no plug-and-play is documented for UC Software: no claim, no emulated SUBSCRIBE', () => {
  assert.equal(polyDriver.claimsPnp, undefined);
  assert.equal(polyDriver.phone.plugAndPlay, undefined);
  assert.equal(
    polyDriver.provisioningUrl!({ http: 'http://10.0.0.5', tftp: 'tftp://10.0.0.5' }),
    'http://10.0.0.5/',
  );
});

test('check-sync either way; the phone restarts only when it must, or always with alwaysReboot', () => {
  assert.equal(polyDriver.checkSync!(device({}), { reboot: false }), 'check-sync');
  assert.equal(polyDriver.checkSync!(device({}), { reboot: true }), 'check-sync');
});

test('DHCP: option 160 and 66 with the boot server directory, matched by Poly MAC blocks only', () => {
  const dhcp = polyDriver.dhcp!;
  assert.deepEqual(dhcp.vendorClasses, { poly: [] });
  assert.deepEqual(dhcp.macPrefixes, { poly: ['0004f2', '64167f', '482567'] });
  assert.deepEqual(dhcp.requested('poly', {}), [160, 66]);
  const offer = dhcp.offer('poly', {
    doors: { http: 'http://10.0.0.5', tftp: 'tftp://10.0.0.5' },
  })!;
  assert.deepEqual([offer.url, offer.options.map((o) => o.code)], ['http://10.0.0.5/', [160, 66]]);
  assert.deepEqual(
    dhcp
      .offer('poly', { doors: { http: 'http://10.0.0.5' }, customOption: 150 })!
      .options.map((o) => o.code),
    [150, 66],
  );
  // The custom option first; a bare host is the phone's own server type, FTP from the factory.
  const derived = dhcp.derive(
    'poly',
    new Map([
      [66, Buffer.from('10.0.0.9')],
      [160, Buffer.from('https://prov.example.com/p/')],
    ]),
    {},
  );
  assert.deepEqual([derived!.url, derived!.from], ['https://prov.example.com/p/', [160]]);
  assert.equal(
    dhcp.derive('poly', new Map([[66, Buffer.from('10.0.0.9')]]), {})!.url,
    'ftp://10.0.0.9/',
  );
  assert.equal(dhcp.derive('poly', new Map(), {}), undefined);
});

test('DHCP: the FTP door when it is the only one named, else the doors sites already use', () => {
  const dhcp = polyDriver.dhcp!;
  const offer = dhcp.offer('poly', { doors: { ftp: 'ftp://10.0.0.5:2121' } })!;
  assert.equal(offer.url, 'ftp://10.0.0.5:2121/');
  const options = new Map(
    offer.options.map((o) => [o.code, Buffer.from(o.value.kind === 'text' ? o.value.text : '')]),
  );
  assert.equal(dhcp.derive('poly', options, {})!.start.baseUrl, 'ftp://10.0.0.5:2121/');
  const doors = { tftp: 'tftp://10.0.0.5', ftp: 'ftp://10.0.0.5' };
  assert.equal(dhcp.offer('poly', { doors })!.url, 'tftp://10.0.0.5/');
  assert.equal(polyDriver.provisioningUrl!(doors), 'tftp://10.0.0.5/');
  assert.equal(polyDriver.provisioningUrl!({ ftp: 'ftp://10.0.0.5' }), 'ftp://10.0.0.5/');
});

test('a contact name is cut at 40 characters, never inside one beyond the BMP', () => {
  const name = `${'a'.repeat(39)}😀 tail`;
  const file = directoryFile([{ name, office: '100' }]);
  assert.match(file, /<fn>a{39}😀<\/fn>/);
  assert.doesNotMatch(file, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/, 'no lone high surrogate');
});
