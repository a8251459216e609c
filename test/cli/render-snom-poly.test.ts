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

const SET = [
  '--set',
  'accounts.1.user=1001',
  '--set',
  'accounts.1.password=s3cretPass',
  '--set',
  'accounts.1.registrar=pbx.example.com',
  '--set',
  'time.timezone=Europe/Berlin',
  '--set',
  'security.admin_password=Adm1nPass',
  '--set',
  'phonebook.name=Office',
];

test('render --explain for Snom and Poly: the rule the zone became, what is ignored, secrets masked', async () => {
  for (const [mac, vendor, file, zone] of [
    [
      '000413000031',
      'snom',
      '000413000031.xml',
      /^# time\.timezone=Europe\/Berlin → timezone: GER\+1 /m,
    ],
    [
      '0004f2000031',
      'poly',
      '0004f2000031-settings.cfg',
      /^# time\.timezone=Europe\/Berlin → tcpIpApp\.sntp\.gmtOffset, daylightSavings: UTC\+1, DST Mar last Sun 02:00 → Oct last Sun 03:00, \+60 min$/m,
    ],
  ] as const) {
    const added = await cli('device', 'add', mac, '--vendor', vendor, ...SET, ...d);
    assert.equal(added.code, 0, added.err);
    const explained = await cli('render', mac, file, '--explain', ...d);
    assert.equal(explained.code, 0, explained.err);
    assert.match(explained.out, zone, vendor);
    assert.match(explained.out, /phonebook\.name/, `${vendor}: not expressed`);
    assert.doesNotMatch(explained.out, /s3cretPass|Adm1nPass/, vendor);
    const body = await cli('render', mac, file, ...d);
    assert.doesNotMatch(body.out, /s3cretPass|Adm1nPass/, vendor);
    const secrets = await cli('render', mac, file, '--secrets', ...d);
    assert.match(secrets.out, /s3cretPass/, vendor);
  }
});
