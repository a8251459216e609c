import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import pg from 'pg';

import type { Mac } from '../../src/model/mac.ts';
import type { ProvisioningEvent } from '../../src/model/event.ts';
import { EventRecorder } from '../../src/provisioning/recorder.ts';
import { CHANGE_CHANNEL, encodeNotice, listenForChanges } from '../../src/store/change-feed.ts';
import { migrationsFor } from '../../src/store/migrations.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store, StoreChange } from '../../src/store/store.ts';
import { startPostgres, type TestPostgres, withPostgres } from '../support/postgres.ts';
import { defineCatalogueSuite } from './catalogue-suite.ts';
import { defineStoreSuite, device, profile } from './store-suite.ts';

await withPostgres('the store tests', () => {
  definePostgresTests();
});

async function sql<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Resolves with the first change a store hears, or rejects after `ms`. */
function nextChange(
  store: Store,
  ms: number,
  match: (change: StoreChange) => boolean,
): Promise<StoreChange> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no change heard within ${ms} ms`));
    }, ms);
    const stop = store.onChange((change) => {
      if (!match(change)) return;
      clearTimeout(timer);
      stop();
      resolve(change);
    });
  });
}

function definePostgresTests(): void {
  let server: TestPostgres;
  let databases = 0;

  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  /** A fresh database on the shared server, so each suite starts empty. */
  async function freshDatabaseUrl(): Promise<string> {
    databases += 1;
    const name = `plugndial_${databases}`;
    await sql(server.url, `CREATE DATABASE ${name}`);
    return server.url.replace(/\/postgres$/, `/${name}`);
  }

  defineStoreSuite('PostgreSQL', async () => openStore({ databaseUrl: await freshDatabaseUrl() }));
  defineCatalogueSuite('PostgreSQL', async () =>
    openStore({ databaseUrl: await freshDatabaseUrl() }),
  );

  describe('several nodes on one PostgreSQL database', () => {
    test('nodes starting together migrate once and agree on the generation', async () => {
      const url = await freshDatabaseUrl();
      const stores = await Promise.all([1, 2, 3].map(() => openStore({ databaseUrl: url })));
      try {
        assert.deepEqual(
          stores.map((store) => store.backend),
          ['postgres', 'postgres', 'postgres'],
        );
        assert.deepEqual(
          stores.map((store) => store.generation()),
          [0, 0, 0],
        );
        const applied = await sql<{ version: number }>(
          url,
          'SELECT version FROM schema_migrations',
        );
        assert.deepEqual(
          applied.map((row) => row.version),
          migrationsFor('postgres').map((migration) => migration.version),
        );
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    });

    test("a change made on one node raises the other's generation and fires its listeners", async () => {
      const url = await freshDatabaseUrl();
      const a = await openStore({ databaseUrl: url });
      const b = await openStore({ databaseUrl: url });
      try {
        const startB = b.generation();
        const heardDevice = nextChange(b, 5_000, (change) => change.entity === 'device');
        await a.insertDevices([device('0015652222a1')]);
        const change = await heardDevice;
        assert.deepEqual(change, {
          entity: 'device',
          key: '0015652222a1',
          generation: a.generation(),
        });
        assert.ok(b.generation() > startB);
        assert.equal(b.generation(), a.generation());

        const heardProfile = nextChange(a, 5_000, (c) => c.entity === 'profile');
        await b.insertProfile(profile('branch'));
        assert.deepEqual(await heardProfile, {
          entity: 'profile',
          key: 'branch',
          generation: b.generation(),
        });
        assert.equal(a.generation(), b.generation());

        const contacts = b.generation();
        await a.recordContacts([
          {
            mac: '0015652222a1' as Mac,
            lastContact: {
              at: '2026-01-01T00:00:00.000Z',
              address: '::1',
              file: 'x',
              transport: 'http',
              status: 200,
            },
          },
        ]);
        assert.equal((await b.getDevice('0015652222a1' as Mac))?.lastContact?.file, 'x');
        assert.equal(a.generation(), contacts);
        assert.equal(b.generation(), contacts);

        // A node hears its own changes once, not a second time through the channel.
        const own: StoreChange[] = [];
        const stop = a.onChange((c) => own.push(c));
        const heardRemove = nextChange(b, 5_000, (c) => c.key === '0015652222a1');
        await a.removeDevice('0015652222a1' as Mac);
        await heardRemove;
        await new Promise((resolve) => setTimeout(resolve, 200));
        stop();
        assert.equal(own.length, 1);
      } finally {
        await a.close();
        await b.close();
      }
    });

    test('a node whose LISTEN connection drops reconnects and catches up', async () => {
      const url = await freshDatabaseUrl();
      const a = await openStore({ databaseUrl: url });
      const b = await openStore({ databaseUrl: url });
      try {
        const start = b.generation();
        const heard = nextChange(b, 10_000, () => true);
        const killed = await sql<{ ok: boolean }>(
          url,
          `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
           WHERE datname = current_database() AND query LIKE 'LISTEN%'`,
        );
        assert.equal(killed.length, 2);
        await a.insertDevices([device('0015652222c1')]);
        const change = await heard;
        assert.ok(
          change.key === '0015652222c1' || change.key === '*',
          `heard ${JSON.stringify(change)}`,
        );
        assert.equal(b.generation(), start + 1);

        const again = nextChange(b, 10_000, (c) => c.key === '0015652222c2');
        await a.insertDevices([device('0015652222c2')]);
        await again;
        assert.equal(b.generation(), start + 2);
      } finally {
        await a.close();
        await b.close();
      }
    });

    test('an update on one node waits for a concurrent one on the other; neither is lost', async () => {
      const url = await freshDatabaseUrl();
      const a = await openStore({ databaseUrl: url });
      const b = await openStore({ databaseUrl: url });
      try {
        for (let i = 0; i < 10; i++) await a.insertProfile(profile(`p${i}`));
        await a.insertDevices([device('0015652222b1', { profiles: [] })]);
        const start = a.generation();
        await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 ? a : b).updateDevice('0015652222b1' as Mac, (d) => ({
              ...d,
              profiles: [...d.profiles, `p${i}`],
            })),
          ),
        );
        const final = await b.getDevice('0015652222b1' as Mac);
        assert.deepEqual(
          [...(final?.profiles ?? [])].sort(),
          Array.from({ length: 10 }, (_, i) => `p${i}`).sort(),
        );
        const [meta] = await sql<{ generation: string }>(url, 'SELECT generation FROM meta');
        assert.equal(Number(meta?.generation), start + 10);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });

  describe('the change feed', () => {
    test('a LISTEN connection gone silent is noticed, made again, and the node catches up', async () => {
      const url = await freshDatabaseUrl();
      let reconnected = 0;
      const heard: string[] = [];
      const feed = await listenForChanges(
        url,
        {
          notice: (notice) => heard.push(notice.keys.join(',')),
          reconnected: () => reconnected++,
        },
        { pingMs: 200, retryMs: 50 },
      );
      // The server process that serves this LISTEN stops answering, its socket still open:
      // to the node, as a connection a firewall forgot.
      const [listener] = await sql<{ pid: number }>(
        url,
        `SELECT pid FROM pg_stat_activity WHERE query = 'LISTEN ${CHANGE_CHANNEL}'`,
      );
      assert.ok(listener, 'the feed LISTENs');
      process.kill(listener.pid, 'SIGSTOP');
      try {
        const deadline = Date.now() + 10_000;
        while (reconnected === 0 && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal(reconnected, 1, 'the silent connection was replaced');
        // The new connection hears what is said from now on.
        await sql(
          url,
          `SELECT pg_notify('${CHANGE_CHANNEL}', '${encodeNotice({ node: 'other', generation: 9, entity: 'device', keys: ['0015650000d1'] })}')`,
        );
        while (heard.length === 0 && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 50));
        assert.deepEqual(heard, ['0015650000d1']);
      } finally {
        process.kill(listener.pid, 'SIGCONT');
        await feed.close();
      }
    });
  });

  describe('the event recorder on PostgreSQL', () => {
    test('a request path or User-Agent with NUL is recorded percent-encoded, and stalls nothing', async () => {
      const store = await openStore({ databaseUrl: await freshDatabaseUrl() });
      const errors: unknown[] = [];
      const recorder = new EventRecorder(store, {
        flushIntervalMs: 60_000,
        onError: (error) => errors.push(error),
      });
      try {
        const mac = '0015652222c1' as Mac;
        await store.insertDevices([device(mac)]);
        const at = '2026-03-01T10:00:00.000Z';
        // An FTP client's RETR /a<NUL>b: a path the pipeline refuses, recorded as asked.
        recorder.record(
          {
            at,
            mac,
            file: '/a\u0000b.cfg',
            transport: 'ftp',
            address: '192.0.2.7',
            status: 404,
            bytes: 0,
            durationMs: 1,
            userAgent: 'Yealink SIP-T46S\u0000 66.86.0.15',
          },
          {
            mac,
            lastContact: {
              at,
              address: '192.0.2.7',
              file: '/a\u0000b.cfg',
              transport: 'ftp',
              status: 404,
              userAgent: 'Yealink SIP-T46S\u0000 66.86.0.15',
            },
            reported: { model: 'T46S\u0000' },
          },
        );
        recorder.record({ ...recorded(at), file: '/next.cfg' });
        await recorder.flush();
        assert.deepEqual(errors, []);
        const events = await store.queryEvents({ limit: 10 });
        assert.deepEqual(events.map((e) => e.file).sort(), ['/a%00b.cfg', '/next.cfg']);
        assert.equal(
          events.find((e) => e.file === '/a%00b.cfg')?.userAgent,
          'Yealink SIP-T46S%00 66.86.0.15',
        );
        const stored = await store.getDevice(mac);
        assert.equal(stored?.lastContact?.file, '/a%00b.cfg');
        assert.equal(stored?.reported?.model, 'T46S%00');
      } finally {
        await recorder.close();
        await store.close();
      }
    });

    test('a row the database refuses is dropped alone: the rest of its batch is stored', async () => {
      const store = await openStore({ databaseUrl: await freshDatabaseUrl() });
      const reports: { error: unknown; dropped: number | undefined }[] = [];
      const recorder = new EventRecorder(store, {
        flushIntervalMs: 60_000,
        onError: (error, dropped) => reports.push({ error, dropped }),
      });
      try {
        const at = '2026-03-01T10:00:00.000Z';
        recorder.record({ ...recorded(at), file: '/before.cfg' });
        // A status past PostgreSQL's integer: SQLSTATE 22003, a refusal of this row only.
        recorder.record({ ...recorded(at), file: '/refused.cfg', status: 2 ** 40 });
        recorder.record({ ...recorded(at), file: '/after.cfg' });
        await recorder.flush();
        const files = (await store.queryEvents({ limit: 10 })).map((e) => e.file).sort();
        assert.deepEqual(files, ['/after.cfg', '/before.cfg']);
        assert.equal(recorder.dropped, 1);
        assert.equal(recorder.pending, 0);
        assert.equal(reports.length, 1);
        assert.equal(reports[0]!.dropped, 1);
        // What comes next is stored as ever.
        recorder.record({ ...recorded(at), file: '/later.cfg' });
        await recorder.flush();
        assert.equal((await store.queryEvents({ limit: 10 })).length, 3);
      } finally {
        await recorder.close();
        await store.close();
      }
    });
  });
}

function recorded(at: string): ProvisioningEvent {
  return {
    at,
    file: '/x.cfg',
    transport: 'http',
    address: '192.0.2.8',
    status: 200,
    bytes: 10,
    durationMs: 1,
  };
}
