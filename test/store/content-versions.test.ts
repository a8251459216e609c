import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import pg from 'pg';

import type { Mac } from '../../src/model/mac.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { startPostgres, type TestPostgres, withPostgres } from '../support/postgres.ts';
import { device } from './store-suite.ts';

const NOON = new Date('2026-03-01T12:00:00.250Z');
const MAC = '7c2f80000001';
const dirs: string[] = [];

after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'plugndial-versions-'));
  dirs.push(dir);
  return join(dir, 'data');
}

const hash = (c: string): string => c.repeat(64);

/** The contract every backend keeps, on one fresh store per backend. */
function defineContract(name: string, open: () => Promise<Store>): void {
  describe(`content versions on ${name}`, () => {
    let store: Store;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store?.close();
    });

    test('a content keeps its version; a new one gets a later one, even in the same second', async () => {
      const version = (
        c: string,
        at: Date,
        category = 'gigaset/nvm',
        scope = MAC,
      ): Promise<string> => store.contentVersion(scope, category, hash(c), at);
      const later = new Date(NOON.getTime() + 60_000);
      assert.equal(await version('a', NOON), '2026-03-01T12:00:00.000Z');
      assert.equal(await version('a', later), '2026-03-01T12:00:00.000Z');
      assert.equal(await version('b', NOON), '2026-03-01T12:00:01.000Z');
      // Back to the first content: its own version again, which the phone sees as a change.
      assert.equal(await version('a', later), '2026-03-01T12:00:00.000Z');
      // Scopes and categories are independent.
      assert.equal(
        await version('b', NOON, 'gigaset/nvm', '7c2f80000002'),
        '2026-03-01T12:00:00.000Z',
      );
      assert.equal(await version('b', NOON, 'gigaset/custom'), '2026-03-01T12:00:00.000Z');
      // A clock behind the latest version never gives an earlier one.
      assert.equal(
        await version('c', new Date('2020-01-01T00:00:00Z')),
        '2026-03-01T12:00:02.000Z',
      );
    });

    test('a device is found by the serial its phone reported, unless two claim it', async () => {
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
    });
  });
}

const embedded = dataDir();
defineContract('SQLite', () => openStore({ dataDir: embedded }));

test('embedded: versions survive closing and reopening the data directory', async () => {
  // The contract above left its versions in this directory and closed it.
  const reopened = await openStore({ dataDir: embedded });
  try {
    const tomorrow = new Date(NOON.getTime() + 86_400_000);
    assert.equal(
      await reopened.contentVersion(MAC, 'gigaset/nvm', hash('a'), tomorrow),
      '2026-03-01T12:00:00.000Z',
    );
    assert.equal(
      await reopened.contentVersion(MAC, 'gigaset/nvm', hash('c'), tomorrow),
      '2026-03-01T12:00:02.000Z',
    );
    assert.equal(
      await reopened.contentVersion(MAC, 'gigaset/nvm', hash('d'), tomorrow),
      '2026-03-02T12:00:00.000Z',
    );
  } finally {
    await reopened.close();
  }
});

await withPostgres('the content version tests', () => {
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
          (i % 2 ? a : b).contentVersion('m', 'gigaset/nvm', hash('a'), NOON),
        ),
      );
      assert.equal(new Set(same).size, 1);
      // Different contents at the same instant: each gets its own second.
      const different = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? a : b).contentVersion('m', 'gigaset/custom', hash(String(i)), NOON),
        ),
      );
      assert.equal(new Set(different).size, 8);
      for (const version of different) assert.ok(version >= '2026-03-01T12:00:00.000Z');
      // Either node answers the same for every content afterwards.
      for (let i = 0; i < 8; i++) {
        assert.equal(
          await b.contentVersion('m', 'gigaset/custom', hash(String(i)), NOON),
          different[i],
        );
      }
    } finally {
      await a.close();
      await b.close();
    }
  });
});
