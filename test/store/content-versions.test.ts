import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import pg from 'pg';

import type { Mac } from '../../src/model/mac.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { missingPostgresBinary, startPostgres, type TestPostgres } from '../support/postgres.ts';
import { device } from './store-suite.ts';

const NOON = new Date('2026-03-01T12:00:00.250Z');
const dirs: string[] = [];

after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'plugndial-versions-'));
  dirs.push(dir);
  return join(dir, 'data');
}

/** The contract every backend keeps; `open` gives a fresh, empty store. */
function defineContract(name: string, open: () => Promise<Store>): void {
  describe(`content versions on ${name}`, () => {
    test('a content keeps its version; a new one gets a later one, even in the same second', async () => {
      const store = await open();
      try {
        const first = await store.contentVersion(
          '7c2f80000001',
          'gigaset/nvm',
          'a'.repeat(64),
          NOON,
        );
        assert.equal(first, '2026-03-01T12:00:00.000Z');
        const later = new Date(NOON.getTime() + 60_000);
        assert.equal(
          await store.contentVersion('7c2f80000001', 'gigaset/nvm', 'a'.repeat(64), later),
          first,
        );
        const second = await store.contentVersion(
          '7c2f80000001',
          'gigaset/nvm',
          'b'.repeat(64),
          NOON,
        );
        assert.equal(second, '2026-03-01T12:00:01.000Z');
        // Back to the first content: its own version again, which the phone sees as a change.
        assert.equal(
          await store.contentVersion('7c2f80000001', 'gigaset/nvm', 'a'.repeat(64), later),
          first,
        );
        // Scopes and categories are independent.
        assert.equal(
          await store.contentVersion('7c2f80000002', 'gigaset/nvm', 'b'.repeat(64), NOON),
          first,
        );
        assert.equal(
          await store.contentVersion('7c2f80000001', 'gigaset/custom', 'b'.repeat(64), NOON),
          first,
        );
        // A clock behind the latest version never gives an earlier one.
        const past = new Date('2020-01-01T00:00:00Z');
        assert.equal(
          await store.contentVersion('7c2f80000001', 'gigaset/nvm', 'c'.repeat(64), past),
          '2026-03-01T12:00:02.000Z',
        );
      } finally {
        await store.close();
      }
    });

    test('a device is found by the serial its phone reported, unless two claim it', async () => {
      const store = await open();
      try {
        await store.insertDevices([
          device('000952000001', { vendor: 'auerswald', reported: { serial: '1234' } }),
          device('000952000002', { vendor: 'auerswald', reported: { serial: '5678' } }),
          device('000952000003', { vendor: 'auerswald', reported: { serial: '5678' } }),
        ]);
        assert.equal((await store.deviceBySerial('1234'))?.mac, '000952000001');
        assert.equal(await store.deviceBySerial('5678'), undefined);
        assert.equal(await store.deviceBySerial('9999'), undefined);
        await store.recordContacts([
          {
            mac: '000952000003' as Mac,
            lastContact: {
              at: NOON.toISOString(),
              address: '::1',
              file: 'x',
              transport: 'http',
              status: 200,
            },
            reported: { serial: '4321' },
          },
        ]);
        assert.equal((await store.deviceBySerial('4321'))?.mac, '000952000003');
      } finally {
        await store.close();
      }
    });
  });
}

defineContract('PGlite', () => openStore({ dataDir: dataDir() }));

test('embedded: versions survive closing and reopening the data directory', async () => {
  const dir = dataDir();
  const first = await openStore({ dataDir: dir });
  const version = await first.contentVersion('m', 'gigaset/nvm', 'a'.repeat(64), NOON);
  await first.close();
  const second = await openStore({ dataDir: dir });
  try {
    const tomorrow = new Date(NOON.getTime() + 86_400_000);
    assert.equal(
      await second.contentVersion('m', 'gigaset/nvm', 'a'.repeat(64), tomorrow),
      version,
    );
  } finally {
    await second.close();
  }
});

const missing = await missingPostgresBinary();
if (missing && process.env.CI) {
  test('PostgreSQL is available for the content version tests', () => {
    assert.fail(`PostgreSQL binary "${missing}" is not on PATH`);
  });
} else if (missing) {
  test('content versions on PostgreSQL', { skip: `"${missing}" is not on PATH` }, () => undefined);
} else {
  let server: TestPostgres;
  let databases = 0;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });
  const freshUrl = async (): Promise<string> => {
    databases += 1;
    const client = new pg.Client(server.url);
    await client.connect();
    await client.query(`CREATE DATABASE versions_${databases}`);
    await client.end();
    return server.url.replace(/\/postgres$/, `/versions_${databases}`);
  };

  defineContract('PostgreSQL', async () => openStore({ databaseUrl: await freshUrl() }));

  test('two nodes racing on one database agree: one version per content, none repeated', async () => {
    const url = await freshUrl();
    const a = await openStore({ databaseUrl: url });
    const b = await openStore({ databaseUrl: url });
    try {
      // The same content asked for on both nodes at once: one row wins, the other reads it.
      const same = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          (i % 2 ? a : b).contentVersion('m', 'gigaset/nvm', 'a'.repeat(64), NOON),
        ),
      );
      assert.equal(new Set(same).size, 1);
      // Different contents at the same instant: each gets its own second.
      const different = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? a : b).contentVersion('m', 'gigaset/custom', String(i).repeat(64), NOON),
        ),
      );
      assert.equal(new Set(different).size, 8);
      for (const version of different) assert.ok(version >= '2026-03-01T12:00:00.000Z');
      // Either node answers the same for every content afterwards.
      for (let i = 0; i < 8; i++) {
        assert.equal(
          await b.contentVersion('m', 'gigaset/custom', String(i).repeat(64), NOON),
          different[i],
        );
      }
    } finally {
      await a.close();
      await b.close();
    }
  });
}
