import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';

import { yealinkDriver } from '../../../src/drivers/yealink/index.ts';
import { cli } from '../../support/cli.ts';
import { tempDir } from '../../support/harness.ts';

const empty = tempDir();
after(() => rmSync(empty, { recursive: true, force: true }));

test('Yealink phones read the custom option, then 66, then 43 (the T5 guide: custom > 66 > 43)', () => {
  const dhcp = yealinkDriver.dhcp!;
  assert.deepEqual(dhcp.requested('yealink', { customOption: 150 }), [150, 66, 43]);
  assert.deepEqual(dhcp.requested('yealink', {}), [66, 43]);
  const derived = dhcp.derive(
    'yealink',
    new Map([
      [66, Buffer.from('10.0.0.5')],
      [150, Buffer.from('http://10.0.0.6/prov/')],
    ]),
    { customOption: 150 },
  );
  assert.equal(derived?.url, 'http://10.0.0.6/prov/');
});

test('plugndial dhcp names the Yealink blocks and the vendor class, with a bare TFTP host in 66', async () => {
  const result = await cli(
    'dhcp',
    '--format',
    'isc',
    '--vendor',
    'yealink',
    '--http',
    '10.0.0.5:8080',
    '--tftp',
    '10.0.0.5:69',
    '--data-dir',
    empty,
  );
  assert.equal(result.code, 0, result.err);
  assert.match(
    result.out,
    /substring\(pick-first-value\(option vendor-class-identifier, ""\), 0, 7\) = "yealink"/,
  );
  for (const oui of ['00:15:65', '24:9a:d8', '44:db:d2', '80:5e:0c', '80:5e:c0', 'e4:34:d7']) {
    assert.match(result.out, new RegExp(`substring\\(hardware, 1, 3\\) = ${oui}`), oui);
  }
  assert.match(result.out, /option tftp-server-name "10\.0\.0\.5";/);
});
