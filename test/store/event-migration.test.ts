import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import type { ProvisioningEvent } from '../../src/model/event.ts';
import { appendEvents, pruneEvents, queryEvents } from '../../src/store/events.ts';
import { migrate } from '../../src/store/migrations.ts';
import { POSTGRES_MIGRATIONS } from '../../src/store/migrations-postgres.ts';
import { openPostgresClient } from '../../src/store/postgres-client.ts';
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

/** Migrations up to and including `version`. */
function upTo(version: number): typeof POSTGRES_MIGRATIONS {
  return POSTGRES_MIGRATIONS.filter((migration) => migration.version <= version);
}

await withPostgres('the event migration tests', () => {
  let server: TestPostgres | undefined;
  after(async () => {
    await server?.stop();
  });

  describe('PostgreSQL: events to pages (7) and back to rows (8)', () => {
    test('every event keeps its fields, its order and an id that never changes', async () => {
      server = await startPostgres();
      const client = openPostgresClient(server.url);
      try {
        await migrate(client, upTo(6));
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
        await migrate(client, upTo(7));
        const pages = await client.query<{ id: number; count: number }>(
          'SELECT id::float8 AS id, count FROM event_pages ORDER BY id',
        );
        assert.deepEqual(
          pages.map((page) => [page.id, page.count]),
          [
            [1, 500],
            [2, 500],
            [3, 203],
          ],
        );
        // A page as the server of version 7 wrote it: strings by their place in "s", and a
        // pruned page's places with gaps in "i".
        const t0 = Date.UTC(2026, 4, 2);
        await client.query(
          `INSERT INTO event_pages (id, first_at, last_at, count, macs, events)
           VALUES (9, $1::timestamptz, $2::timestamptz, 2, '{001565000a09}', $3::text)`,
          [
            new Date(t0).toISOString(),
            new Date(t0 + 250).toISOString(),
            JSON.stringify({
              v: 1,
              t0,
              s: ['001565000a09', 'fanvil', 'f0X4hw1.100.cfg', 'http', '192.0.2.99', AGENT],
              i: [3, 7],
              e: [
                [0, 0, 1, 2, 3, 4, 200, 1234, 1.5, 5],
                [250, null, null, 2, 3, 4, 404, 0, 0.25, null, null, 'unknown-mac'],
              ],
            }),
          ],
        );

        // Up to the newest: 8 makes rows of the pages, 9 adds the serving node to each.
        assert.equal(await migrate(client), 9);
        const [gone] = await client.query<{ pages: string | null }>(
          "SELECT to_regclass('event_pages')::text AS pages",
        );
        assert.equal(gone?.pages, null);

        const events = await queryEvents(client, { limit: 10_000 });
        assert.equal(events.length, ROWS + 2);
        assert.deepEqual(events.slice(0, 2), [
          {
            id: 9 * 1024 + 7,
            at: new Date(t0 + 250).toISOString(),
            file: 'f0X4hw1.100.cfg',
            transport: 'http',
            address: '192.0.2.99',
            status: 404,
            bytes: 0,
            durationMs: 0.25,
            reason: 'unknown-mac',
          },
          {
            id: 9 * 1024 + 3,
            at: new Date(t0).toISOString(),
            mac: '001565000a09',
            driver: 'fanvil',
            file: 'f0X4hw1.100.cfg',
            transport: 'http',
            address: '192.0.2.99',
            status: 200,
            bytes: 1234,
            durationMs: 1.5,
            userAgent: AGENT,
          },
        ]);
        // Newest first: of two rows in the same second, the later row (the larger old id).
        const moved = events.slice(2);
        const rows = Array.from({ length: ROWS }, (_, g) => ROWS - 1 - g);
        assert.deepEqual(
          moved.map(({ id: _id, ...event }) => event),
          rows.map(expected),
        );
        // The ids pages gave them: page × 1024 + place.
        assert.deepEqual(
          moved.map((event) => event.id),
          rows.map((g) => (Math.floor(g / 500) + 1) * 1024 + (g % 500)),
        );
        assert.deepEqual(
          (await queryEvents(client, { mac: MACS[1], limit: 3 })).map((e) => e.file),
          rows
            .filter((g) => expected(g).mac === MACS[1])
            .slice(0, 3)
            .map((g) => `f${g}`),
        );

        // New events get ids above every moved one; pruning works on the moved rows.
        await appendEvents(client, [{ ...expected(ROWS), at: '2026-05-03T00:00:00.000Z' }]);
        const [newest] = await queryEvents(client, { limit: 1 });
        assert.equal(newest?.file, `f${ROWS}`);
        assert.ok(newest!.id! > 9 * 1024 + 7);
        assert.equal(await pruneEvents(client, new Date(expected(700).at), Infinity), 700);
        const left = await queryEvents(client, { limit: 10_000 });
        assert.equal(left.length, ROWS + 3 - 700);
        assert.deepEqual(
          left.at(-1),
          moved.find((e) => e.file === 'f700'),
        );
      } finally {
        await client.close();
      }
    });
  });
});
