import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { Mac } from '../../src/model/mac.ts';
import type { ResyncOutcome } from '../../src/model/resync.ts';
import { openStore } from '../../src/store/open.ts';
import { recordPendingPhone } from '../../src/store/sip-state.ts';
import { openSqliteClient } from '../../src/store/sqlite-client.ts';
import { migrate } from '../../src/store/migrations.ts';
import type { Store } from '../../src/store/store.ts';
import { startPostgres, type TestPostgres, withPostgres } from '../support/postgres.ts';
import { device } from './store-suite.ts';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function outcome(at: string, overrides: Partial<ResyncOutcome> = {}): ResyncOutcome {
  return {
    at,
    status: 200,
    ok: true,
    event: 'check-sync',
    target: 'sip:1001@192.0.2.23:5060',
    retransmissions: 0,
    durationMs: 12,
    ...overrides,
  };
}

/** The SIP bookkeeping of migration 4, the same on both backends. */
function defineSipStateSuite(name: string, open: () => Promise<Store>): void {
  describe(`check-sync outcomes and pending phones: ${name}`, () => {
    let store: Store;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store?.close();
    });

    test('the latest resync outcome per device; none for a MAC that is not a device', async () => {
      const generation = store.generation();
      await store.insertDevices([device('0015657700a1'), device('0015657700a2')]);
      const a = '0015657700a1' as Mac;
      await store.recordResync(a, outcome('2026-01-02T03:04:05.000Z', { status: 408, ok: false }));
      await store.recordResync(a, outcome('2026-01-02T03:05:00.000Z', { reason: 'x' }));
      await store.recordResync('0015657700ff' as Mac, outcome('2026-01-02T03:05:00.000Z'));
      const got = await store.resyncOutcomes([a, '0015657700a2' as Mac, '0015657700ff' as Mac]);
      assert.deepEqual([...got.keys()], [a]);
      assert.deepEqual(got.get(a), outcome('2026-01-02T03:05:00.000Z', { reason: 'x' }));
      assert.equal(store.generation(), generation + 1, 'only the insert is a configuration change');
      assert.deepEqual(await store.resyncOutcomes([]), new Map());
      await store.removeDevice(a);
      assert.equal((await store.resyncOutcomes([a])).size, 0);
    });

    test('pending phones: counted sightings, newest first, devices left out, removable', async () => {
      const p1 = '0015657711b1' as Mac;
      const p2 = '0015657711b2' as Mac;
      await store.recordPendingPhone({
        mac: p1,
        vendor: 'yealink',
        model: 'T46S',
        address: '192.0.2.31',
        lastSeen: '2026-01-02T03:00:00.000Z',
      });
      await store.recordPendingPhone({
        mac: p2,
        address: '192.0.2.32',
        lastSeen: '2026-01-02T03:01:00.000Z',
      });
      await store.recordPendingPhone({
        mac: p1,
        firmware: '66.84.0.15',
        address: '192.0.2.41',
        lastSeen: '2026-01-02T03:02:00.000Z',
      });
      const listed = await store.listPendingPhones();
      assert.deepEqual(
        listed.filter((p) => p.mac === p1 || p.mac === p2),
        [
          {
            mac: p1,
            vendor: 'yealink',
            model: 'T46S',
            firmware: '66.84.0.15',
            address: '192.0.2.41',
            firstSeen: '2026-01-02T03:00:00.000Z',
            lastSeen: '2026-01-02T03:02:00.000Z',
            sightings: 2,
          },
          {
            mac: p2,
            address: '192.0.2.32',
            firstSeen: '2026-01-02T03:01:00.000Z',
            lastSeen: '2026-01-02T03:01:00.000Z',
            sightings: 1,
          },
        ],
      );
      await store.insertDevices([device(p2)]);
      assert.equal(
        (await store.listPendingPhones()).some((p) => p.mac === p2),
        false,
      );
      assert.equal(await store.removePendingPhone(p1), true);
      assert.equal(await store.removePendingPhone(p1), false);
    });
  });
}

defineSipStateSuite('embedded (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plugndial-sip-state-'));
  dirs.push(dir);
  return openStore({ dataDir: join(dir, 'data') });
});

test('pending phones are bounded: the oldest sightings go first', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plugndial-sip-bound-'));
  dirs.push(dir);
  const client = openSqliteClient(join(dir, 'plugndial.db'));
  try {
    await migrate(client);
    for (let i = 0; i < 5; i++) {
      await recordPendingPhone(
        client,
        {
          mac: `0015657722c${i}` as Mac,
          address: '192.0.2.50',
          lastSeen: `2026-01-02T03:0${i}:00.000Z`,
        },
        3,
      );
    }
    const rows = await client.query<{ mac: string }>('SELECT mac FROM pending_phones ORDER BY mac');
    assert.deepEqual(
      rows.map((r) => r.mac),
      ['0015657722c2', '0015657722c3', '0015657722c4'],
    );
  } finally {
    await client.close();
  }
});

await withPostgres('the SIP bookkeeping tests', () => {
  let server: TestPostgres | undefined;
  after(async () => {
    await server?.stop();
  });
  defineSipStateSuite('PostgreSQL', async () => {
    server = await startPostgres();
    return openStore({ databaseUrl: server.url });
  });
});
