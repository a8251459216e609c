import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ciscoDriver } from '../../../src/drivers/cisco/index.ts';
import { MAC, recognised } from './helpers.ts';

test('the bootstraps the factory Profile_Rule asks for, under any prefix, in any case', () => {
  for (const prefix of ['', 'cisco/', 'a/b/']) {
    const spa = recognised(`${prefix}spa504G.cfg`);
    assert.deepEqual(
      [spa.file, spa.params, spa.reported, spa.needsDevice],
      ['bootstrap', { family: 'spa', psn: '504G' }, { model: 'SPA504G' }, false],
    );
    assert.deepEqual(recognised(`${prefix}SPA525G2.CFG`).params, { family: 'spa', psn: '525G2' });
    assert.deepEqual(recognised(`${prefix}spa2102.cfg`).reported, { model: 'SPA2102' });
    const mpp = recognised(`${prefix}8841-3PCC.xml`);
    assert.deepEqual([mpp.file, mpp.reported], ['bootstrap', { model: 'CP-8841-3PCC' }]);
    assert.deepEqual(recognised(`${prefix}CP-6841-3PCC.xml`).params, {
      family: 'mpp',
      psn: '6841-3PCC',
    });
    assert.equal(recognised(`${prefix}7861.xml`).score, 50);
  }
});

test("the phone's own profile as Profile_Rule_B names it, $MA or $MAU, .xml or .cfg", () => {
  for (const name of [
    `${MAC}.xml`,
    `${MAC.toUpperCase()}.xml`,
    `spa${MAC}.cfg`,
    `spa${MAC}.xml`,
    `${MAC}.cfg`,
  ]) {
    const profile = recognised(`prov/${name}`);
    assert.deepEqual(
      [profile.file, profile.mac, profile.needsDevice],
      ['profile', MAC, true],
      name,
    );
  }
  assert.equal(recognised(`${MAC}-directory.xml`).file, 'mac-directory');
  assert.equal(
    ciscoDriver.recognise({ segments: ['spa.cfg'], query: '', transport: 'tftp' }),
    undefined,
  );
});

test('User-Agents: MPP with its MAC, SPA with MAC and serial, or the serial alone', () => {
  assert.deepEqual(ciscoDriver.parseUserAgent('Cisco-CP-7832-3PCC/11.0.1 (00562b043615)'), {
    vendor: 'cisco',
    model: 'CP-7832-3PCC',
    firmware: '11.0.1',
    mac: '00562b043615',
  });
  assert.deepEqual(ciscoDriver.parseUserAgent('Cisco/SPA508G-7.4.4 (0002FDFF2103)(CBT141400UK)'), {
    vendor: 'cisco-spa',
    model: 'SPA508G',
    firmware: '7.4.4',
    mac: '0002fdff2103',
  });
  assert.deepEqual(ciscoDriver.parseUserAgent('Cisco/SPA525G-7.4.7 (CBT141900G7)'), {
    vendor: 'cisco-spa',
    model: 'SPA525G',
    firmware: '7.4.7',
  });
  assert.deepEqual(ciscoDriver.parseUserAgent('Linksys/SPA-942-6.1.5(a) (88019FA42805)'), {
    vendor: 'cisco-spa',
    model: 'SPA942',
    firmware: '6.1.5(a)',
    mac: '88019fa42805',
  });
  assert.equal(ciscoDriver.parseUserAgent('Cisco Systems, Inc. IP Phone CP-7841'), undefined);
});

test('DHCP: 66 as a bare TFTP host and 150 as its address; read back 66 first, then 150', () => {
  const dhcp = ciscoDriver.dhcp!;
  const offer = dhcp.offer('cisco', {
    doors: { tftp: 'tftp://10.0.0.5', http: 'http://10.0.0.5' },
  })!;
  assert.deepEqual(offer.options, [
    { code: 66, value: { kind: 'text', text: '10.0.0.5' } },
    { code: 150, value: { kind: 'addresses', addresses: ['10.0.0.5'] } },
  ]);
  // Another TFTP port: 150 has none, so 66 alone, as a URL.
  assert.deepEqual(
    dhcp.offer('cisco', { doors: { tftp: 'tftp://10.0.0.5:6969' } })!.options.map((o) => o.code),
    [66],
  );
  // An IPv6 TFTP door is no bare host name: 66 carries it as a URL, and no 150.
  assert.deepEqual(dhcp.offer('cisco', { doors: { tftp: 'tftp://[2001:db8::5]' } })!.options, [
    { code: 66, value: { kind: 'text', text: 'tftp://[2001:db8::5]/' } },
  ]);
  // HTTP only: MPP phones fetch $PSN.xml under the URL; SPA phones take it as their rule.
  assert.equal(
    dhcp.offer('cisco', { doors: { http: 'http://10.0.0.5' } })!.url,
    'http://10.0.0.5/',
  );
  assert.equal(
    dhcp.offer('cisco-spa', { doors: { http: 'http://10.0.0.5' } })!.url,
    'http://10.0.0.5/spa$PSN.cfg',
  );
  const both = new Map([
    [66, Buffer.from('10.0.0.5')],
    [150, Buffer.from([10, 0, 0, 6])],
  ]);
  assert.equal(dhcp.derive('cisco', both, {})!.url, 'tftp://10.0.0.5/');
  const only150 = new Map([[150, Buffer.from([10, 0, 0, 6, 10, 0, 0, 7])]]);
  assert.deepEqual(dhcp.derive('cisco-spa', only150, {}), {
    url: 'tftp://10.0.0.6/',
    from: [150],
    start: { baseUrl: 'tftp://10.0.0.6/' },
  });
  assert.equal(dhcp.derive('cisco', new Map([[150, Buffer.from([1, 2, 3])]]), {}), undefined);
});
