import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import pg from 'pg';

import { cli } from '../support/cli.ts';
import { tempDir } from '../support/harness.ts';
import { startPostgres, type TestPostgres, withPostgres } from '../support/postgres.ts';
import { run, serve, httpOnly } from '../support/serve.ts';

// A fleet of every family, with what makes their files differ: profiles, a phonebook, a
// stored file, a firmware image, and the versions phones keep (Gigaset UVCs, Fanvil versions).
const FLEET_CSV = `mac,vendor,model,profiles,accounts.1.user,accounts.1.password,accounts.1.registrar
00:21:F2:00:00:01,flyingvoice,,office,1001,pw-1001,pbx.example.com
00:15:65:00:00:02,yealink,T54W,office,1002,pw-1002,pbx.example.com
0c:38:3e:00:00:03,fanvil,X4,,1003,pw-1003,pbx.example.com
7C:2F:80:00:00:04,gigaset,Maxwell 3,office,1004,pw-1004,pbx.example.com
00:09:52:00:00:05,auerswald,D200,,1005,pw-1005,pbx.example.com
00:90:8f:00:00:06,oem,leadtek/LR8051S,,1006,pw-1006,proxy01.sipphone.com
`;
const MACS = [
  '0021f2000001',
  '001565000002',
  '0c383e000003',
  '7c2f80000004',
  '000952000005',
  '00908f000006',
];

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function work(): string {
  const dir = tempDir('pnd-archive-');
  dirs.push(dir);
  return dir;
}

function ok(args: string[]): string {
  const result = run(args);
  assert.equal(result.code, 0, `plugndial ${args.join(' ')}\n${result.out}${result.err}`);
  return result.out;
}

/** Every device's every file as its phone receives it, secrets included (in this process). */
async function served(store: string[]): Promise<string> {
  const files: string[] = [];
  for (const mac of MACS) {
    const result = await cli('render', mac, '--json', '--secrets', ...store);
    assert.equal(result.code, 0, result.err);
    files.push(result.out);
  }
  return files.join('\n');
}

function describeFleet(dir: string, store: string[]): void {
  writeFileSync(join(dir, 'fleet.csv'), FLEET_CSV);
  writeFileSync(join(dir, 'contacts.csv'), 'name,office\nReception,100\n"Doe, John",101\n');
  writeFileSync(
    join(dir, 'ca.pem'),
    '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  );
  writeFileSync(join(dir, 'x4.z'), Buffer.alloc(300_000, 0x5a));
  ok(['profile', 'add', 'office', '--set', 'time.timezone=Europe/Berlin', ...store]);
  ok(['device', 'import', join(dir, 'fleet.csv'), ...store]);
  ok(['phonebook', 'import', join(dir, 'contacts.csv'), '--profile', 'office', ...store]);
  ok(['file', 'put', join(dir, 'ca.pem'), 'certs/ca.pem', ...store]);
  ok(['device', 'set', '7c2f80000004', '--set', 'resources.certificate=certs/ca.pem', ...store]);
  ok([
    'firmware',
    'add',
    join(dir, 'x4.z'),
    '--vendor',
    'fanvil',
    '--model',
    'X4',
    '--version',
    '2.12.0.1',
    ...store,
  ]);
  ok(['device', 'set', '0c383e000003', '--set', 'firmware.version=2.12.0.1', ...store]);
}

describe('backup, restore, export and import through the command line', () => {
  test('a backup taken while the server serves restores into an empty directory, every file byte for byte', async () => {
    const dir = work();
    const source = join(dir, 'source');
    const server = await serve(httpOnly(source));
    const backup = join(dir, 'site.pnd');
    try {
      describeFleet(dir, ['--data-dir', source]);
      // Phones fetch their files: versions and UVCs are assigned now, on the source.
      await served(['--data-dir', source]);
      const out = ok(['backup', backup, '--data-dir', source]);
      assert.match(
        out,
        /backup written to .*site\.pnd: 6 devices, 1 profile, 1 file, 1 firmware image, 1 contact list, \d+ content versions/,
      );
      assert.deepEqual(
        readdirSync(dir).filter((name) => name.endsWith('.partial')),
        [],
      );
    } finally {
      await server.stop();
    }
    // Rendered with no server running, so both for the same URL.
    const before = await served(['--data-dir', source]);
    const target = join(dir, 'target');
    assert.match(ok(['restore', backup, '--data-dir', target]), /restored .*: 6 devices/);
    assert.equal(await served(['--data-dir', target]), before);

    // A second restore into the same store is refused, and the store keeps what it has.
    const again = run(['restore', backup, '--data-dir', target]);
    assert.equal(again.code, 2);
    assert.match(again.err, /fills an empty store only.*\[PND_STORE_NOT_EMPTY\]/);
    assert.equal(await served(['--data-dir', target]), before);
  });

  test('a file that is not an archive is refused with its name; a missing one too', () => {
    const dir = work();
    const csv = join(dir, 'fleet.csv');
    writeFileSync(csv, FLEET_CSV);
    const target = join(dir, 'target');
    const refused = run(['restore', csv, '--data-dir', target]);
    assert.equal(refused.code, 2);
    assert.match(refused.err, /fleet\.csv: it is not a plugndial archive.*\[PND_ARCHIVE_INVALID\]/);
    const missing = run(['import', join(dir, 'nope.pnd'), '--data-dir', target]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /cannot read .*nope\.pnd/);
    // A failed export leaves no file behind.
    const server = run([
      'export',
      join(dir, 'out.pnd'),
      '--database',
      'postgres://u:pw@127.0.0.1:1/x',
    ]);
    assert.notEqual(server.code, 0);
    assert.doesNotMatch(server.err, /pw@/);
    assert.ok(!existsSync(join(dir, 'out.pnd')) && !existsSync(join(dir, 'out.pnd.partial')));
  });
});

await withPostgres('moving a site between the embedded store and PostgreSQL', () => {
  let server: TestPostgres;
  after(async () => {
    await server?.stop();
  });
  test('embedded → PostgreSQL → embedded: phones get the same files from every store', async () => {
    server = await startPostgres();
    const client = new pg.Client(server.url);
    await client.connect();
    await client.query('CREATE DATABASE moved');
    await client.end();
    const database = server.url.replace(/\/postgres$/, '/moved');
    const dir = work();
    const source = join(dir, 'source');
    describeFleet(dir, ['--data-dir', source]);
    const before = await served(['--data-dir', source]);
    ok(['export', join(dir, 'site.pnd'), '--data-dir', source]);
    assert.match(ok(['import', join(dir, 'site.pnd'), '--database', database]), /imported/);
    assert.equal(await served(['--database', database]), before);
    ok(['export', join(dir, 'back.pnd'), '--database', database]);
    const back = join(dir, 'back');
    ok(['import', join(dir, 'back.pnd'), '--data-dir', back]);
    assert.equal(await served(['--data-dir', back]), before);
  });
});
