import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { silentLogger } from '../../src/log.ts';
import { startServer } from '../../src/server.ts';
import { cli } from '../support/cli.ts';
import { tempDir } from '../support/harness.ts';

// Messages that say what is so and what to do, instead of a bare "no phonebook".
let dir: string;
let d: string[];
before(() => {
  dir = tempDir();
  d = ['--data-dir', dir];
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function ok(...argv: string[]): Promise<string> {
  const r = await cli(...argv, ...d);
  assert.equal(r.code, 0, `${argv.join(' ')}: ${r.err}`);
  return r.out;
}

test('phonebook show --device shows the list its phone gets, and where it comes from', async () => {
  await ok('profile', 'add', 'office');
  await ok('profile', 'add', 'sales');
  await ok(
    'device',
    'add',
    '0c383e07e16c',
    '--vendor',
    'fanvil',
    '--profile',
    'office',
    '--profile',
    'sales',
  );
  const none = await cli('phonebook', 'show', '--device', '0c383e07e16c', ...d);
  assert.equal(none.code, 2);
  assert.match(
    none.err,
    /device 0c383e07e16c gets no phonebook: neither it, nor its profiles \(office, sales\), nor the default profile has one/,
  );
  assert.match(none.err, /plugndial phonebook import contacts\.csv --device 0c383e07e16c/);

  const csv = join(dir, 'contacts.csv');
  writeFileSync(csv, 'name,office\nReception,100\n');
  await ok('phonebook', 'import', csv, '--profile', 'default');
  const fromDefault = await ok('phonebook', 'show', '--device', '0c383e07e16c');
  assert.match(
    fromDefault,
    /^from the default profile \(the device and its profiles office, sales have none\)$/m,
  );
  assert.match(fromDefault, /^Reception +100/m);

  writeFileSync(csv, 'name,office\nOffice desk,200\n');
  await ok('phonebook', 'import', csv, '--profile', 'office');
  assert.match(
    await ok('phonebook', 'show', '--device', '0c383e07e16c'),
    /^from profile office\n/m,
  );
  writeFileSync(csv, 'name,office\nSales desk,300\n');
  await ok('phonebook', 'import', csv, '--profile', 'sales');
  // The last profile that has one wins, as for the phone.
  const fromSales = await ok('phonebook', 'show', '--device', '0c383e07e16c');
  assert.match(fromSales, /^from profile sales\n/m);
  assert.match(fromSales, /Sales desk/);

  writeFileSync(csv, 'name,office\nOwn,400\n');
  await ok('phonebook', 'import', csv, '--device', '0c383e07e16c');
  assert.match(await ok('phonebook', 'show', '--device', '0c383e07e16c'), /^the device's own\n/m);
  const json = JSON.parse(await ok('phonebook', 'show', '--device', '0c383e07e16c', '--json'));
  assert.deepEqual(json.owner, { device: '0c383e07e16c' });
  assert.equal(json.contacts[0].name, 'Own');

  const missing = await cli('phonebook', 'show', '--device', '0c383e000000', ...d);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /PND_DEVICE_NOT_FOUND/);
});

test('an address no interface has gets a hint like a port in use', async () => {
  const busy = tempDir();
  try {
    await assert.rejects(
      startServer(
        {
          dataDir: busy,
          // TEST-NET-1: an address this host does not have.
          doors: { http: { host: '192.0.2.1', port: 18080 } },
          events: { retentionDays: 30, maxEvents: 1000 },
          sip: { interfaces: 'none', unknown: 'pending-answer' },
        },
        silentLogger,
      ),
      (error: Error) =>
        /cannot listen for http on 192\.0\.2\.1:18080: EADDRNOTAVAIL; no interface of this host has that address: pass --http 18080 \(every address\), --http ADDRESS:18080 with an address of this host, or --http off/.test(
          error.message,
        ),
    );
  } finally {
    rmSync(busy, { recursive: true, force: true });
  }
});
