// What each vendor's phone makes of the options, from the seeds' own examples, and what
// plugndial offers it: an offer must derive back to its own URL.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  encodeValue,
  parseOptionArguments,
  trimTrailingSlashes,
} from '../../src/formats/dhcp-options.ts';
import type { DoorUrls } from '../../src/drivers/driver.ts';
import { driverForVendor, drivers } from '../../src/drivers/registry.ts';

function derive(vendor: string, args: string[], customOption?: number) {
  const options = parseOptionArguments(args);
  assert.ok(options.ok);
  const dhcp = driverForVendor(vendor)!.dhcp!;
  return dhcp.derive(vendor, options.value, customOption ? { customOption } : {});
}

const SEED_003_43 =
  '43=42:0b:68:74:74:70:3a:2f:2f:66:6f:6f:00:43:0c:3c:48:57:54:59:50:3e:2e:62:61:6b:00';

describe('DHCP derivation per vendor (seed examples)', () => {
  it('auerswald: option 43 sub-options give http://foo/<HWTYP>.bak (seed 003)', () => {
    const derived = derive('auerswald', [SEED_003_43]);
    assert.equal(derived?.url, 'http://foo/<HWTYP>.bak');
    assert.deepEqual(derived?.from, [43]);
  });

  it('auerswald: 66 and 67 are joined, inserting the missing / (seed 003)', () => {
    const derived = derive('auerswald', ['66=http://prov.server.com', '67=prov.py?mac=<MACADR>']);
    assert.equal(derived?.url, 'http://prov.server.com/prov.py?mac=<MACADR>');
    assert.deepEqual(derived?.from, [66, 67]);
    assert.equal(derive('auerswald', ['66=http://foo', SEED_003_43])?.from[0], 66);
  });

  it('flyingvoice and yealink: 66 as a host means TFTP on that host (seed 001)', () => {
    assert.equal(derive('flyingvoice', ['66=192.168.50.92'])?.url, 'tftp://192.168.50.92/');
    assert.equal(derive('yealink', ['66=http://10.0.0.5/prov/'])?.url, 'http://10.0.0.5/prov/');
    // Yealink's order: custom option, then 66, then 43 (a plain URL only).
    assert.equal(
      derive('yealink', ['66=10.0.0.5', '150=http://10.0.0.6/'], 150)?.url,
      'http://10.0.0.6/',
    );
    assert.equal(derive('yealink', [SEED_003_43]), undefined);
    assert.equal(derive('yealink', ['43=http://10.0.0.7/'])?.url, 'http://10.0.0.7/');
  });

  it('gigaset: option 114 with its placeholders left for the phone (seed 002)', () => {
    const derived = derive('gigaset', ['114=http://10.0.0.5/gigaset/%MACD']);
    assert.equal(derived?.url, 'http://10.0.0.5/gigaset/%MACD');
    assert.equal(derive('gigaset', ['66=10.0.0.5']), undefined);
    assert.equal(derive('gigaset', ['114=not a url']), undefined);
  });

  it('fanvil: 66, 43 or the custom option; $input and $mac name the file (seed 004)', () => {
    const input = derive('fanvil', ['66=tftp://192.168.2.45/$input.xml']);
    assert.equal(input?.url, 'tftp://192.168.2.45/$input.xml');
    assert.deepEqual(input?.start, { baseUrl: 'tftp://192.168.2.45/' });
    const hex = derive('fanvil', ['43=hex:687474703a2f2f3137322e31362e362e34352f246d61632e636667']);
    assert.equal(hex?.url, 'http://172.16.6.45/$mac.cfg');
    assert.deepEqual(hex?.start, { baseUrl: 'http://172.16.6.45/' });
    const named = derive('fanvil', ['200=http://10.0.0.5/prov/name1.cfg'], 200);
    assert.deepEqual(named?.start, { baseUrl: 'http://10.0.0.5/prov/', input: 'name1.cfg' });
    assert.equal(derive('fanvil', [SEED_003_43]), undefined);
    // Found by the dhcp-derive fuzz target: a name of bad percent-encoding threw a URIError.
    const raw = derive('fanvil', ['66=tftp://10.0.0.5/a%E9.cfg']);
    assert.deepEqual(raw?.start, { baseUrl: 'tftp://10.0.0.5/', input: 'a%E9.cfg' });
  });

  it('a host followed by a long run of / is read in one pass, as a short one is', () => {
    // Found by the dhcp-derive fuzz target: /\/*$/ retried at every / (65 ms for 8 KB).
    assert.equal(trimTrailingSlashes('http://x/a///'), 'http://x/a');
    assert.equal(trimTrailingSlashes('///'), '');
    for (const vendor of ['yealink', 'oem', 'fanvil', 'grandstream', 'cisco', 'poly', 'snom']) {
      const derived = derive(vendor, [`66=10.0.0.5${'/'.repeat(3)}`]);
      assert.ok(derived?.url.includes('10.0.0.5/'), vendor);
      assert.ok(!derived!.url.includes('5//'), vendor);
    }
  });

  it('oem: option 66, a host meaning HTTP', () => {
    assert.equal(derive('oem', ['66=10.0.0.5'])?.url, 'http://10.0.0.5/');
  });
});

describe('DHCP offers derive back to their own URL', () => {
  const doorSets: DoorUrls[] = [
    { http: 'http://10.0.0.5', tftp: 'tftp://10.0.0.5' },
    { http: 'http://10.0.0.5:8080', tftp: 'tftp://10.0.0.5:6969' },
    { https: 'https://prov.example.com/site1', http: 'http://10.0.0.5' },
    { http: 'http://10.0.0.5' },
  ];
  for (const driver of drivers) {
    if (!driver.dhcp) continue;
    for (const vendor of driver.vendors) {
      it(`${vendor}`, () => {
        for (const doors of doorSets) {
          for (const customOption of [undefined, 150]) {
            const choices = customOption ? { customOption } : {};
            const provisioningUrl = driver.provisioningUrl?.(doors);
            const offer = driver.dhcp!.offer(vendor, {
              doors,
              ...choices,
              ...(provisioningUrl ? { provisioningUrl } : {}),
            });
            assert.ok(offer, `${vendor} ${JSON.stringify(doors)}`);
            const options = new Map<number, Buffer>();
            for (const option of offer.options) {
              const bytes = encodeValue(option.value);
              assert.ok(bytes.ok);
              options.set(option.code, bytes.value);
            }
            const derived = driver.dhcp!.derive(vendor, options, choices);
            assert.equal(derived?.url, offer.url, `${vendor} ${JSON.stringify(doors)}`);
          }
        }
      });
    }
  }

  it('the door each vendor fetches from first', () => {
    const doors = { http: 'http://10.0.0.5:8080', tftp: 'tftp://10.0.0.5' };
    const url = (vendor: string): string | undefined => {
      const driver = driverForVendor(vendor)!;
      const provisioningUrl = driver.provisioningUrl?.(doors);
      return driver.dhcp!.offer(vendor, { doors, ...(provisioningUrl ? { provisioningUrl } : {}) })
        ?.url;
    };
    assert.equal(url('flyingvoice'), 'tftp://10.0.0.5/');
    assert.equal(url('fanvil'), 'tftp://10.0.0.5/$mac.cfg');
    assert.equal(url('gigaset'), 'http://10.0.0.5:8080/gigaset/%MACD');
    assert.match(url('auerswald')!, /^http:\/\/10\.0\.0\.5:8080\/auerswald\//);
    assert.equal(url('oem'), 'http://10.0.0.5:8080/');
    // With no door a phone can use, nothing is offered.
    assert.equal(
      driverForVendor('gigaset')!.dhcp!.offer('gigaset', { doors: { tftp: 'tftp://x' } }),
      undefined,
    );
  });
});
