import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import type { ProvisioningEvent } from '../../src/provisioning/event.ts';
import { appendEvents, pruneEvents, queryEvents } from '../../src/store/events.ts';
import { migrate, MIGRATIONS } from '../../src/store/migrations.ts';
import { openEmbeddedClient, openPostgresClient, type SqlClient } from '../../src/store/sql.ts';
import { startPostgres, type TestPostgres, withPostgres } from '../support/postgres.ts';

const ROWS = 1_203;
const START = Date.UTC(2026, 4, 1);
const MACS = ['001565000a00', '001565000a01', '001565000a02'];
const AGENT = 'Yealink "T54W" \\ 96.86 é';

/** Row g of the old table as the event it should come back as (without its id). */
function expected(g: number): ProvisioningEvent {
  // Two rows per second, sub-millisecond parts cut: 123.456 ms is read back as 123 ms.
  const event: ProvisioningEvent = {
    at: new Date(START + Math.floor(g / 2) * 1000 + 123).toISOString(),
    file: `f${g}`,
    transport: g % 4 === 0 ? 'tftp' : 'http',
    address: `192.0.2.${g % 250}`,
    status: g % 5 === 0 ? 404 : 200,
    bytes: 2 ** 40 + g,
    durationMs: g / 8,
  };
  if (g % 10 !== 9) event.mac = MACS[g % 3];
  if (g % 2 === 0) event.driver = 'yealink';
  if (g % 3 === 0) event.userAgent = AGENT;
  if (g % 4 === 0) event.retransmissions = g % 7;
  if (g % 5 === 0) event.reason = 'unknown-mac';
  return event;
}

function defineMigrationSuite(
  name: string,
  open: () => Promise<SqlClient>,
  backend: 'embedded' | 'postgres',
): void {
  describe(`event pages migration: ${name}`, () => {
    test('events of the previous schema move into pages, in order, with every field', async () => {
      const client = await open();
      try {
        await migrate(
          client,
          backend,
          MIGRATIONS.filter((migration) => migration.version < 7),
        );
        await client.query(
          `INSERT INTO events (at, mac, driver, file, transport, address, status, bytes, duration_ms,
             user_agent, retransmissions, reason)
           SELECT timestamptz '2026-05-01T00:00:00Z' + (g / 2) * interval '1 second'
               + interval '123456 microseconds',
             CASE WHEN g % 10 = 9 THEN NULL ELSE ($1::text[])[g % 3 + 1] END,
             CASE WHEN g % 2 = 0 THEN 'yealink' END,
             'f' || g,
             CASE WHEN g % 4 = 0 THEN 'tftp' ELSE 'http' END,
             '192.0.2.' || (g % 250),
             CASE WHEN g % 5 = 0 THEN 404 ELSE 200 END,
             (1::bigint << 40) + g,
             g / 8.0,
             CASE WHEN g % 3 = 0 THEN $2::text END,
             CASE WHEN g % 4 = 0 THEN g % 7 END,
             CASE WHEN g % 5 = 0 THEN 'unknown-mac' END
           FROM generate_series(0, $3::int - 1) AS g`,
          [`{${MACS.join(',')}}`, AGENT, ROWS],
        );
        assert.equal(await migrate(client, backend), MIGRATIONS.length);

        const [gone] = await client.query<{ old: string | null }>(
          "SELECT to_regclass('events')::text AS old",
        );
        assert.equal(gone?.old, null);
        const pages = await client.query<{ id: number; count: number; macs: string }>(
          'SELECT id::float8 AS id, count, macs::text AS macs FROM event_pages ORDER BY id',
        );
        assert.deepEqual(
          pages.map((page) => [page.id, page.count]),
          [
            [1, 500],
            [2, 500],
            [3, 203],
          ],
        );
        assert.equal(pages[0]?.macs, `{${MACS.join(',')}}`);

        // Newest first: of two rows in the same second, the later row (the larger old id).
        const events = await queryEvents(client, { limit: 10_000 });
        const rows = Array.from({ length: ROWS }, (_, g) => ROWS - 1 - g);
        assert.deepEqual(
          events.map(({ id: _id, ...event }) => event),
          rows.map(expected),
        );
        for (let k = 1; k < events.length; k += 1) assert.ok(events[k]!.id! < events[k - 1]!.id!);
        assert.deepEqual(
          (await queryEvents(client, { mac: MACS[1], limit: 3 })).map((e) => e.file),
          rows
            .filter((g) => expected(g).mac === MACS[1])
            .slice(0, 3)
            .map((g) => `f${g}`),
        );

        // New pages follow the moved ones; pruning rewrites a moved page like any other.
        await appendEvents(client, [{ ...expected(ROWS), at: '2026-05-02T00:00:00.000Z' }]);
        const [newest] = await queryEvents(client, { limit: 1 });
        assert.equal(newest?.file, `f${ROWS}`);
        assert.ok(newest!.id! > events[0]!.id!);
        assert.equal(await pruneEvents(client, new Date(expected(700).at), Infinity), 700);
        const left = await queryEvents(client, { limit: 10_000 });
        assert.equal(left.length, ROWS + 1 - 700);
        assert.deepEqual(
          left.at(-1),
          events.find((e) => e.file === 'f700'),
        );
      } finally {
        await client.close();
      }
    });
  });
}

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

defineMigrationSuite(
  'embedded (PGlite)',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'plugndial-event-pages-'));
    dirs.push(dir);
    return openEmbeddedClient(join(dir, 'pgdata'));
  },
  'embedded',
);

await withPostgres('the event pages migration test', () => {
  let server: TestPostgres | undefined;
  after(async () => {
    await server?.stop();
  });
  defineMigrationSuite(
    'PostgreSQL',
    async () => {
      server = await startPostgres();
      return openPostgresClient(server.url);
    },
    'postgres',
  );
});
