import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { parseCsvRows } from '../../src/formats/csv.ts';
import { cli } from '../support/cli.ts';
import { tempDir } from '../support/harness.ts';

// device import: every bad row at once, by the file's own lines; --update, --check; still
// all or nothing.
let dir: string;
let d: string[];
before(() => {
  dir = tempDir();
  d = ['--data-dir', dir];
});
after(() => rmSync(dir, { recursive: true, force: true }));

function csvFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function labelOf(mac: string): Promise<string | undefined> {
  const shown = await cli('device', 'show', mac, '--json', ...d);
  if (shown.code !== 0) return undefined;
  return (JSON.parse(shown.out) as { settings: Record<string, string> }).settings[
    'accounts.1.label'
  ];
}

test('CSV rows know the line they start on, quoted line breaks counted', () => {
  const rows = parseCsvRows('a,b\r\n1,"two\nlines"\n\n3,"x""\ny"\n4,5');
  assert.ok(rows.ok);
  assert.deepEqual(
    rows.value.map((r) => [r.line, r.cells]),
    [
      [1, ['a', 'b']],
      [2, ['1', 'two\nlines']],
      [5, ['3', 'x"\ny']],
      [7, ['4', '5']],
    ],
  );
});

test('every bad row is reported at once, by its line in the file, and nothing is stored', async () => {
  await cli('profile', 'add', 'office', ...d);
  const file = csvFile(
    'bad.csv',
    [
      'mac,vendor,profiles,accounts.1.label,accounts.1.user', // 1
      '00:15:65:00:00:01,yealink,"office;', // 2: a quoted cell may break the line
      'office",Desk,1001', // 3
      'not-a-mac,yealink,,x,1002', // 4
      '00:15:65:00:00:03,polycom,,x,1003', // 5
      '00:15:65:00:00:04,yealink,"', // 6
      'office",x,1004', // 7
      '00:15:65:00:00:05,yealink,x', // 8
      '00:15:65:00:00:01,yealink,,again,1009', // 9
      '00:15:65:00:00:06,yealink,warehouse,x,1006', // 10
      '00:15:65:00:00:07,yealink,,x,1007', // 11
      '',
    ].join('\n'),
  );
  const r = await cli('device', 'import', file, ...d);
  assert.equal(r.code, 2);
  const lines = [...r.err.matchAll(/^ {2}line (\d+): /gm)].map((m) => Number(m[1]));
  assert.deepEqual(lines, [4, 5, 8, 9, 10], r.err);
  assert.match(r.err, /5 rows of bad\.csv are refused; no device was stored/);
  assert.match(r.err, /line 4: .*not-a-mac/);
  assert.match(r.err, /line 5: .*polycom/);
  assert.match(r.err, /line 8: 3 cells, the header has 5/);
  assert.match(r.err, /line 9: MAC 001565000001 is listed twice \(first on line 2\)/);
  assert.match(r.err, /line 10: profile "warehouse" does not exist/);
  assert.equal(await labelOf('001565000001'), undefined, 'nothing of the file is stored');
  assert.equal(await labelOf('001565000004'), undefined);
});

test('at most 100 bad rows are listed, then how many more there are', async () => {
  const rows = ['mac,vendor'];
  for (let i = 0; i < 130; i++) rows.push(`bad-${i},yealink`);
  const r = await cli('device', 'import', csvFile('many.csv', `${rows.join('\n')}\n`), ...d);
  assert.equal(r.code, 2);
  assert.equal([...r.err.matchAll(/^ {2}line \d+: /gm)].length, 100);
  assert.match(r.err, /^ {2}line 101: /m);
  assert.match(r.err, /… and 30 more bad rows/);
});

test('an existing device refuses the file unless --update, which changes it and adds the rest', async () => {
  const first = csvFile(
    'first.csv',
    'mac,vendor,accounts.1.label,accounts.1.user\n00:15:65:00:00:11,yealink,Old,1011\n',
  );
  const added = await cli('device', 'import', first, ...d);
  assert.equal(added.code, 0, added.err);
  assert.equal(added.out, 'imported 1 device\n');

  const second = csvFile(
    'second.csv',
    'mac,vendor,model,accounts.1.label\n00:15:65:00:00:11,yealink,T46S,New\n00:15:65:00:00:12,yealink,,Fresh\n',
  );
  const refused = await cli('device', 'import', second, ...d);
  assert.equal(refused.code, 2);
  assert.match(refused.err, /line 2: device 001565000011 already exists; --update changes it/);
  assert.equal(await labelOf('001565000012'), undefined, 'all or nothing');

  const checked = await cli('device', 'import', second, '--update', '--check', ...d);
  assert.equal(checked.code, 0, checked.err);
  assert.match(
    checked.out,
    /^checked 2 devices: 1 would be added, 1 updated; nothing was stored$/m,
  );
  assert.equal(await labelOf('001565000011'), 'Old');
  assert.equal(await labelOf('001565000012'), undefined);

  const updated = await cli('device', 'import', second, '--update', ...d);
  assert.equal(updated.code, 0, updated.err);
  assert.match(updated.out, /^imported 2 devices: 1 added, 1 updated$/m);
  const device = JSON.parse((await cli('device', 'show', '001565000011', '--json', ...d)).out);
  assert.equal(device.settings['accounts.1.label'], 'New');
  assert.equal(device.model, 'T46S');
  // A cell the file leaves out (or empty) keeps what the device had.
  assert.equal(device.settings['accounts.1.user'], '1011');
  assert.equal(await labelOf('001565000012'), 'Fresh');

  // --update is still all or nothing: one bad row and neither device changes.
  const bad = csvFile(
    'bad-update.csv',
    'mac,vendor,accounts.1.label,accounts.1.registrar_port\n00:15:65:00:00:11,yealink,Newer,\n00:15:65:00:00:13,yealink,x,notaport\n',
  );
  const refusedUpdate = await cli('device', 'import', bad, '--update', ...d);
  assert.equal(refusedUpdate.code, 2);
  assert.match(refusedUpdate.err, /line 3: accounts\.1\.registrar_port/);
  assert.equal(await labelOf('001565000011'), 'New');
});

test('--check reports the same problems as the import, and stores nothing either way', async () => {
  const file = csvFile(
    'check.csv',
    'mac,vendor,accounts.1.label\n00:15:65:00:00:21,yealink,A\nnope,yealink,B\n',
  );
  const bad = await cli('device', 'import', file, '--check', ...d);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /line 3: /);
  writeFileSync(file, 'mac,vendor,accounts.1.label\n00:15:65:00:00:21,yealink,A\n');
  const good = await cli('device', 'import', file, '--check', ...d);
  assert.equal(good.code, 0, good.err);
  assert.match(good.out, /^checked 1 device: 1 would be added, 0 updated; nothing was stored$/m);
  assert.equal(await labelOf('001565000021'), undefined);
});

test('--update checks the row with what the device keeps: a new vendor must take its key', async () => {
  const first = csvFile(
    'keyed.csv',
    'mac,vendor,security.config_key\n00:15:65:00:00:21,yealink,0123456789abcdef\n',
  );
  assert.equal((await cli('device', 'import', first, ...d)).code, 0);
  const moved = csvFile('moved.csv', 'mac,vendor\n00:15:65:00:00:21,fanvil\n');
  const refused = await cli('device', 'import', moved, '--update', ...d);
  assert.equal(refused.code, 2, refused.out);
  assert.match(refused.err, /line 2: .*Fanvil key/);
  const device = JSON.parse((await cli('device', 'show', '001565000021', '--json', ...d)).out);
  assert.equal(device.vendor, 'yealink');
});
