import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, describe, test } from 'node:test';

import pg from 'pg';

import { isPlugndialError } from '../../src/errors.ts';
import { archiveOf, restoreArchive } from '../../src/management/archive.ts';
import type { Mac } from '../../src/model/mac.ts';
import type { ArchiveRecord } from '../../src/store/archive.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { startPostgres, type TestPostgres, withPostgres } from '../support/postgres.ts';
import { device, event, patternSha256, patternStream, profile } from './store-suite.ts';

const NOW = new Date('2026-06-01T08:00:00.000Z');
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function embedded(): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'plugndial-archive-'));
  dirs.push(dir);
  return openStore({ dataDir: join(dir, 'data') });
}

/** A store with something of every kind an archive carries. */
async function fill(store: Store): Promise<void> {
  await store.insertProfile(profile('default', { settings: { 'time.timezone': 'Europe/Berlin' } }));
  await store.insertProfile(profile('office', { description: 'the office' }));
  const devices = Array.from({ length: 1_234 }, (_, i) =>
    device(`001565${i.toString(16).padStart(6, '0')}`, {
      profiles: i % 2 ? ['office'] : [],
      ...(i % 3 === 0 ? { reported: { serial: `SN${i}`, firmware: '96.86.0.100' } } : {}),
      ...(i % 5 === 0
        ? {
            lastContact: {
              at: '2026-05-31T10:00:00.000Z',
              address: '192.0.2.7',
              file: 'x.cfg',
              transport: 'http',
              status: 200,
            },
          }
        : {}),
    }),
  );
  await store.insertDevices(devices);
  const mac = devices[0]!.mac;
  await store.ensureDeviceCredentials(mac, { username: mac, password: 'pw-secret-1' }, NOW);
  await store.rotateDeviceCredentials(
    mac,
    { username: mac, password: 'pw-secret-2' },
    { graceUntil: new Date('2026-06-02T00:00:00.000Z'), reopen: false },
  );
  await store.markFirstContact(mac, 'opened', NOW);
  await store.setContacts({ profile: 'office' }, [{ name: 'Reception', office: '100' }]);
  await store.setContacts({ device: devices[1]!.mac }, [{ name: 'Doe, John', mobile: '+49170' }]);
  await store.putFile(
    'certs/ca.pem',
    Readable.from([Buffer.from('-----BEGIN-----\n')]),
    'text/plain',
  );
  await store.putFile('empty.txt', Readable.from([]), 'text/plain');
  await store.putFirmware(
    {
      vendor: 'fanvil',
      model: 'X4',
      version: '2.12.0.1',
      fileName: 'x4.z',
      contentType: 'application/octet-stream',
    },
    patternStream(700_000),
  );
  await store.contentVersion(mac, 'gigaset/nvm', 'a'.repeat(64), NOW);
  await store.contentVersion(mac, 'gigaset/nvm', 'b'.repeat(64), NOW);
  await store.updateCwmpState(mac, (state) => ({
    ...state,
    connectionRequestUrl: 'http://192.0.2.7:7547/',
  }));
  await store.recordResync(mac, {
    at: NOW.toISOString(),
    status: 200,
    ok: true,
    event: 'check-sync',
    target: 'sip:1001@192.0.2.7:5060',
    retransmissions: 0,
    durationMs: 12,
  });
  await store.recordPendingPhone({
    mac: '0015659999aa' as Mac,
    address: '192.0.2.9',
    lastSeen: NOW.toISOString(),
  });
  await store.appendEvents(
    Array.from({ length: 1_500 }, (_, i) =>
      event(new Date(NOW.getTime() - i * 1000).toISOString(), {
        mac: devices[i % 7]!.mac,
        file: `f${i}`,
        // Events of several nodes keep the node that served them through a move.
        ...(i % 3 === 0 ? { node: `prov-${i % 2}` } : {}),
      }),
    ),
  );
  await store.appendSecurityEvents([
    { at: NOW.toISOString(), kind: 'address-blocked', address: '192.0.2.66' },
  ]);
}

/** What a store holds, as records (event ids, which a move renumbers, are not in them). */
async function holdings(store: Store, events = true): Promise<ArchiveRecord[]> {
  const records: ArchiveRecord[] = [];
  await store.exportRecords(
    { begin: () => undefined, record: (r) => void records.push(r) },
    { events },
  );
  return records;
}

async function move(from: Store, to: Store, events = true): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const piece of archiveOf(from, { events, now: NOW })) parts.push(piece as Buffer);
  const file = Buffer.concat(parts);
  await restoreArchive(to, Readable.from([file]));
  return file;
}

function defineMoves(
  name: string,
  source: () => Promise<Store>,
  target: () => Promise<Store>,
): void {
  describe(`archive: ${name}`, () => {
    test('everything arrives as it was, firmware bytes included; the target hears the change', async () => {
      const from = await source();
      const to = await target();
      try {
        await fill(from);
        const generation = to.generation();
        const heard: string[] = [];
        to.onChange((change) => heard.push(`${change.entity}:${change.key}`));
        await move(from, to);
        assert.deepEqual(await holdings(to), await holdings(from));
        assert.ok(to.generation() > generation);
        assert.ok(heard.includes('device:*') && heard.includes('firmware:*'));
        const image = await to.openFirmware({ vendor: 'fanvil', model: 'x4', version: '2.12.0.1' });
        let size = 0;
        const hash = (await import('node:crypto')).createHash('sha256');
        for await (const chunk of image!.stream()) {
          hash.update(chunk as Buffer);
          size += (chunk as Buffer).length;
        }
        assert.equal(size, 700_000);
        assert.equal(hash.digest('hex'), patternSha256(700_000));
        assert.equal(
          (await to.deviceCredentials('001565000000' as Mac))?.previousPassword,
          'pw-secret-1',
        );
        // A content version seen before keeps its version in the new store.
        assert.equal(
          await to.contentVersion(
            '001565000000',
            'gigaset/nvm',
            'b'.repeat(64),
            new Date('2027-01-01'),
          ),
          '2026-06-01T08:00:01.000Z',
        );
      } finally {
        await from.close();
        await to.close();
      }
    });

    test('a store that holds configuration is refused and keeps what it holds', async () => {
      const from = await source();
      const to = await target();
      try {
        await fill(from);
        await to.insertProfile(profile('kept'));
        await assert.rejects(move(from, to), (error: unknown) => {
          assert.ok(isPlugndialError(error));
          assert.equal(error.code, 'PND_STORE_NOT_EMPTY');
          return true;
        });
        assert.deepEqual(
          (await to.listProfiles()).map((p) => p.name),
          ['kept'],
        );
        assert.equal(await to.countDevices(), 0);
      } finally {
        await from.close();
        await to.close();
      }
    });
  });
}

defineMoves('embedded to embedded', embedded, embedded);

/** The lines of an archive of an embedded store filled by `fill`, uncompressed. */
async function archiveLines(fill: (store: Store) => Promise<void>): Promise<string[]> {
  const from = await embedded();
  try {
    await fill(from);
    const parts: Buffer[] = [];
    for await (const piece of archiveOf(from, { events: false, now: NOW }))
      parts.push(piece as Buffer);
    return gunzipSync(Buffer.concat(parts)).toString('utf8').split('\n');
  } finally {
    await from.close();
  }
}

describe('archive: what is not one is refused before the store is touched', () => {
  async function refusal(bytes: Buffer, pattern: RegExp): Promise<void> {
    const to = await embedded();
    try {
      await assert.rejects(
        restoreArchive(to, Readable.from([bytes]), 'x.pnd'),
        (error: unknown) => {
          assert.ok(isPlugndialError(error), String(error));
          assert.equal(error.code, 'PND_ARCHIVE_INVALID');
          assert.match(error.message, pattern);
          assert.match(error.message, /^x\.pnd: /);
          return true;
        },
      );
      assert.equal(await to.countDevices(), 0);
      assert.deepEqual(await to.listProfiles(), []);
    } finally {
      await to.close();
    }
  }

  test('another product’s backup, a text file, a SQLite file, an empty file', async () => {
    await refusal(gzipSync('{"version":3,"type":"provd-backup"}\n'), /not a plugndial archive/);
    await refusal(Buffer.from('mac,vendor\n'), /not a plugndial archive/);
    await refusal(Buffer.from('SQLite format 3\0 and the rest'), /SQLite database file/);
    await refusal(gzipSync(''), /empty/);
  });

  test('a newer format or schema says to upgrade', async () => {
    const header = {
      plugndial: 'archive',
      format: 1,
      schema: 8,
      createdAt: NOW.toISOString(),
      engine: 'sqlite',
      events: false,
      counts: {},
    };
    await refusal(
      gzipSync(`${JSON.stringify({ ...header, format: 2 })}\n`),
      /newer plugndial.*upgrade/,
    );
    await refusal(
      gzipSync(`${JSON.stringify({ ...header, schema: 99 })}\n`),
      /schema version 99.*upgrade/,
    );
  });

  test('an archive cut short stores nothing, wherever the cut falls', async () => {
    const from = await embedded();
    let whole: Buffer;
    try {
      await from.insertProfile(profile('office'));
      await from.insertDevices(
        Array.from({ length: 50 }, (_, i) => device(`00156500${i.toString(16).padStart(4, '0')}`)),
      );
      const parts: Buffer[] = [];
      for await (const piece of archiveOf(from, { events: false, now: NOW }))
        parts.push(piece as Buffer);
      whole = Buffer.concat(parts);
    } finally {
      await from.close();
    }
    // Cut in the compressed stream: damaged; a whole stream without its footer: cut short.
    await refusal(whole.subarray(0, Math.floor(whole.length / 2)), /damaged or cut short/);
    const text = gunzipSync(whole).toString('utf8').split('\n');
    await refusal(gzipSync(text.slice(0, -2).join('\n')), /cut short/);
    await refusal(gzipSync(text.slice(0, 10).join('\n')), /cut short/);
  });

  test('a record without the object its kind carries is refused, naming its line', async () => {
    const lines = await archiveLines(async (from) => {
      await from.insertProfile(profile('office'));
    });
    const kinds = [
      'credentials',
      'contacts',
      'cwmp',
      'resync',
      'pending',
      'event',
      'security-event',
    ];
    for (const kind of kinds) {
      for (const record of [
        { kind },
        { kind, credentials: {}, list: { owner: {} }, event: null },
      ]) {
        const damaged = [lines[0], JSON.stringify(record), ...lines.slice(1)].join('\n');
        await refusal(gzipSync(damaged), /line 2: an? [\w -]*record without its/);
      }
    }
  });

  test('a tampered device, profile or file record is refused as the API would refuse it', async () => {
    const lines = await archiveLines(async (from) => {
      await from.insertProfile(profile('office'));
      await from.insertDevices([device('00156500ff02')]);
      await from.putFile('logo.bmp', Readable.from([Buffer.from('BM')]), 'image/bmp');
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- records of every kind
    type Json = any;
    const tamper = (kind: string, change: (record: Json) => void): Buffer =>
      gzipSync(
        lines
          .map((line) => {
            if (!line.startsWith(`{"kind":"${kind}"`)) return line;
            const record = JSON.parse(line) as Json;
            change(record);
            return JSON.stringify(record);
          })
          .join('\n'),
      );
    await refusal(
      tamper('device', (r) => (r.device.vendor = 'nosuchvendor')),
      /nosuchvendor/,
    );
    await refusal(
      tamper('device', (r) => (r.device.settings = { 'accounts.1.user': { a: 1 } })),
      /device 00156500ff02: .*accounts\.1\.user/,
    );
    await refusal(
      tamper('device', (r) => (r.device.settings = { 'accounts.1.password': 'a\nb' })),
      /accounts\.1\.password/,
    );
    await refusal(
      tamper('device', (r) => (r.device.model = 'T4\u001b[2J')),
      /model/,
    );
    await refusal(
      tamper('profile', (r) => (r.profile.settings = { 'bogus.key': 1 })),
      /profile office: unknown setting "bogus\.key"/,
    );
    await refusal(
      tamper('file', (r) => (r.path = '../../etc/x')),
      /not a served path/,
    );
  });
});

await withPostgres('the archive moves', () => {
  let server: TestPostgres;
  let databases = 0;
  after(async () => {
    await server?.stop();
  });
  const postgres = async (): Promise<Store> => {
    server ??= await startPostgres();
    databases += 1;
    const client = new pg.Client(server.url);
    await client.connect();
    await client.query(`CREATE DATABASE archive_${databases}`);
    await client.end();
    return openStore({ databaseUrl: server.url.replace(/\/postgres$/, `/archive_${databases}`) });
  };
  defineMoves('embedded to PostgreSQL', embedded, postgres);
  defineMoves('PostgreSQL to embedded', postgres, embedded);
});
