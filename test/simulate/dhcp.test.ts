import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { readLease } from '../../src/simulate/dhcp.ts';
import { cli } from '../support/cli.ts';

describe('simulate --via dhcp', () => {
  it('reads what udhcpc hands its script: named options as text, the rest as hex', () => {
    const lease = readLease(
      [
        'udhcpc noise',
        'PND-LEASE-BEGIN',
        'ip=10.9.0.133',
        'mask=24',
        'serverid=10.9.0.1',
        'bootfile=<HWTYP>.bak',
        'tftp=bad',
        'opt43=420b687474703a2f2f666f6f00',
        'opt114=687474703a2f2f78',
        'PND-LEASE-END',
      ].join('\n'),
    );
    assert.equal(lease.address, '10.9.0.133');
    assert.equal(lease.prefix, 24);
    assert.equal(lease.server, '10.9.0.1');
    assert.equal(lease.options.get(67)!.toString(), '<HWTYP>.bak');
    assert.equal(lease.options.get(114)!.toString(), 'http://x');
    assert.equal(lease.options.get(43)!.length, 13);
    // udhcpc refuses a URL in 66 (it checks a host name): refused, not a value.
    assert.equal(lease.options.has(66), false);
    assert.deepEqual(lease.refused, [66]);
  });

  it('reads optNNN only for codes 1–254', () => {
    // Found by the dhcp-lease fuzz target: opt400…0 became option Infinity.
    const lease = readLease(
      [
        'PND-LEASE-BEGIN',
        'opt0=01',
        'opt255=01',
        'opt4000000000000000000=01',
        'opt043=01',
        'opt254=02',
        'PND-LEASE-END',
      ].join('\n'),
    );
    assert.deepEqual([...lease.options.keys()], [254]);
  });

  it('says when no lease came', () => {
    assert.throws(() => readLease('', 'udhcpc: no lease, failing'), /no lease obtained: .*failing/);
  });

  it('derives the URL from given options and starts the phone there', async () => {
    const result = await cli(
      'simulate',
      '000952000001',
      '--vendor',
      'auerswald',
      '--via',
      'dhcp',
      '--option',
      '66=http://127.0.0.1:1',
      '--option',
      '67=<HWTYP>.bak',
    );
    assert.match(
      result.err,
      /^dhcp http:\/\/127\.0\.0\.1:1\/<HWTYP>\.bak \(from option 66 \+ 67\)$/m,
    );
    // Nothing listens on port 1: the phone's first fetch fails.
    assert.equal(result.code, 1);
  });

  it('refuses options that carry no URL for the vendor, and a lease and options at once', async () => {
    const none = await cli(
      'simulate',
      '7c2f80000001',
      '--vendor',
      'gigaset',
      '--via',
      'dhcp',
      '--option',
      '66=10.0.0.5',
    );
    assert.equal(none.code, 1);
    assert.match(none.err, /no URL for a gigaset phone: it reads option 114/);
    const both = await cli(
      'simulate',
      '7c2f80000001',
      '--vendor',
      'gigaset',
      '--via',
      'dhcp',
      '--option',
      '114=http://x/',
      '--interface',
      'eth9',
    );
    assert.equal(both.code, 2);
    const neither = await cli('simulate', '7c2f80000001', '--vendor', 'gigaset', '--via', 'dhcp');
    assert.equal(neither.code, 2);
    assert.match(neither.err, /--interface IFACE/);
  });
});
