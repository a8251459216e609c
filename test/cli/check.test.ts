import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { after, test } from 'node:test';

import { cli } from '../support/cli.ts';
import { tempDir } from '../support/harness.ts';
import { logRecords, run, serve, type ServeProcess } from '../support/serve.ts';

const FANVIL_KEY = 'c7fc19404e0b0bcc8885d31f2d8ff7e8e09f0e28c7fc19404e0b0bcc8885d31f';
const dirs: string[] = [];
let server: ServeProcess | undefined;
after(async () => {
  await server?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string[] {
  const dir = tempDir();
  dirs.push(dir);
  return ['--data-dir', dir];
}

test('check lists each problem with its fix and exits 1; a change says so on stderr; render refuses a withheld file', async () => {
  const d = dataDir();
  const added = await cli(
    'device',
    'add',
    '00:15:65:aa:bb:cc',
    '--vendor',
    'yealink',
    '--set',
    'accounts.1.user=1001',
    ...d,
  );
  assert.equal(added.code, 0, added.err);
  assert.match(
    added.err,
    /^warning: accounts\.1 has a user but no registrar.*\(1 device: 001565aabbcc\)/m,
  );

  const set = await cli(
    'profile',
    'set',
    'default',
    '--set',
    'security.config_encryption=true',
    '--set',
    `security.config_key=${FANVIL_KEY}`,
    '--set',
    'accounts.1.registrar=pbx.example.com',
    ...d,
  );
  assert.equal(set.code, 0, set.err);
  assert.match(set.out, /^updated profile default$/m);
  assert.match(
    set.err,
    /^warning: encrypted, but security\.config_key is not a 16-character Yealink key \(1 device: 001565aabbcc\); it comes from profile "default"/m,
  );
  assert.doesNotMatch(set.err + set.out, new RegExp(FANVIL_KEY));

  const checked = await cli('check', ...d);
  assert.equal(checked.code, 1, checked.err);
  assert.match(checked.out, /^KIND\s+DEVICES\s+PROBLEM\s+FIX$/m);
  assert.match(checked.out, /^config-key\s+001565aabbcc\s+encrypted, but security\.config_key/m);
  assert.match(checked.out, /^1 devices checked, 1 problem$/m);
  const json = JSON.parse((await cli('check', '--json', ...d)).out) as {
    checked: number;
    findings: { kind: string; devices: string[] }[];
  };
  assert.deepEqual(
    json.findings.map((f) => [f.kind, f.devices]),
    [['config-key', ['001565aabbcc']]],
  );

  const render = await cli('render', '001565aabbcc', '001565aabbcc.cfg', ...d);
  assert.notEqual(render.code, 0);
  assert.equal(render.out, '');
  assert.match(
    render.err,
    /is not served: encrypted, but security\.config_key is not a 16-character Yealink key; set security\.config_key/,
  );

  const fixed = await cli(
    'device',
    'set',
    '001565aabbcc',
    '--set',
    'security.config_key=Ab3dEf6hIj9lMn2p',
    ...d,
  );
  assert.equal(fixed.err, '');
  const clean = await cli('check', ...d);
  assert.equal(clean.code, 0, clean.out);
  assert.equal(clean.out, '1 devices checked, 0 problems\n');
  // A vendor nobody knows checks no devices: said, never a clean bill.
  const nobody = await cli('check', '--vendor', 'yealinc', ...d);
  assert.equal(nobody.code, 2, nobody.out);
  assert.match(nobody.err, /unknown vendor "yealinc"; known: .*yealink/);
  assert.equal((await cli('check', '--vendor', 'yealink', ...d)).code, 0);
  assert.equal((await cli('render', '001565aabbcc', '001565aabbcc.cfg', ...d)).code, 0);
});

test('serve logs the report at start; check through the running server knows its doors', async () => {
  const d = dataDir();
  server = await serve([
    ...d,
    '--http',
    '127.0.0.1:0',
    '--tftp',
    'off',
    '--sip',
    'off',
    '--public-url',
    'https://prov.example.com',
  ]);
  // The report follows readiness: wait for its last line, a bounded number of times.
  for (let i = 0; i < 200 && !server.log().includes('check done'); i++) await delay(50);
  const records = logRecords(server.log());
  const finding = records.find((r) => String(r['msg']).startsWith('check: --public-url'));
  assert.equal(
    finding?.['msg'],
    'check: --public-url https://prov.example.com is https, but no HTTPS door is on: phones sent there find nothing',
  );
  assert.deepEqual(
    [finding?.['level'], finding?.['kind'], finding?.['devices']],
    ['warn', 'public-url', 0],
  );
  assert.ok(finding?.['fix']);
  const done = records.find((r) => r['msg'] === 'check done');
  assert.deepEqual([done?.['level'], done?.['devices'], done?.['problems']], ['warn', 0, 1]);

  const checked = run(['check', '--json', ...d]);
  assert.equal(checked.code, 1, checked.err);
  const report = JSON.parse(checked.out) as { findings: { kind: string; count: number }[] };
  assert.deepEqual(
    report.findings.map((f) => [f.kind, f.count]),
    [['public-url', 0]],
  );
  const table = run(['check', ...d]);
  assert.match(
    table.out,
    /^public-url\s+server\s+--public-url https:\/\/prov\.example\.com is https/m,
  );
});
