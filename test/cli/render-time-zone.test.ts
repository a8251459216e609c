import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { cli } from '../support/cli.ts';
import { tempDir } from '../support/harness.ts';

let dir: string;
let d: string[];
before(() => {
  dir = tempDir();
  d = ['--data-dir', dir];
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('render --explain says which daylight saving rule the time zone became', async () => {
  for (const [mac, vendor, file] of [
    ['001565000031', 'yealink', '001565000031.cfg'],
    ['0021f2000031', 'flyingvoice', '0021f2000031.cfg'],
    ['0c383e000031', 'fanvil', '0c383e000031.cfg'],
  ] as const) {
    const added = await cli(
      'device',
      'add',
      mac,
      '--vendor',
      vendor,
      '--set',
      'time.timezone=Europe/Berlin',
      ...d,
    );
    assert.equal(added.code, 0, added.err);
    const explained = await cli('render', mac, file, '--explain', ...d);
    assert.equal(explained.code, 0, explained.err);
    assert.match(
      explained.out,
      /^# time\.timezone=Europe\/Berlin → .*UTC\+1, DST Mar last Sun 02:00 → Oct last Sun 03:00, \+60 min\)?$/m,
      vendor,
    );
  }
  const fanvil = await cli('render', '0c383e000031', '0c383e000031.cfg', ...d);
  assert.match(fanvil.out, /^Enable DST +:1\r$/m);
  assert.match(fanvil.out, /^DST Start Mon +:3\r$/m);
});
