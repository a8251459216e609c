import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { isPlugndialError } from '../../src/errors.ts';
import { migrate, MIGRATIONS } from '../../src/store/migrations.ts';
import {
  openEmbeddedClient,
  openPostgresClient,
  sqlStateOf,
  type SqlClient,
} from '../../src/store/sql.ts';
import { startPostgres, type TestPostgres, withPostgres } from '../support/postgres.ts';

function defineClientSuite(
  name: string,
  open: () => Promise<SqlClient>,
  backend: 'embedded' | 'postgres',
): void {
  describe(`SqlClient: ${name}`, () => {
    let client: SqlClient;
    before(async () => {
      client = await open();
      await client.query('CREATE TABLE t (k text PRIMARY KEY, v int NOT NULL)');
    });
    after(async () => {
      await client?.close();
    });

    test('a transaction commits as a whole', async () => {
      const result = await client.transaction(async (tx) => {
        await tx.query('INSERT INTO t (k, v) VALUES ($1::text, $2::int)', ['a', 1]);
        await tx.query('INSERT INTO t (k, v) VALUES ($1::text, $2::int)', ['b', 2]);
        return (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM t'))[0]?.n;
      });
      assert.equal(result, 2);
      assert.deepEqual(await client.query('SELECT k, v FROM t ORDER BY k'), [
        { k: 'a', v: 1 },
        { k: 'b', v: 2 },
      ]);
    });

    test("a transaction rolls back when the caller's function throws, and its error passes through", async () => {
      const failure = new Error('changed my mind');
      await assert.rejects(
        client.transaction(async (tx) => {
          await tx.query('UPDATE t SET v = 100 WHERE k = $1::text', ['a']);
          await tx.transaction((inner) =>
            inner.query('INSERT INTO t (k, v) VALUES ($1::text, 3)', ['c']),
          );
          throw failure;
        }),
        (error: unknown) => error === failure,
      );
      assert.deepEqual(await client.query('SELECT k, v FROM t ORDER BY k'), [
        { k: 'a', v: 1 },
        { k: 'b', v: 2 },
      ]);
    });

    test('a transaction rolls back when a statement fails; the error is PND_DATABASE with its SQLSTATE', async () => {
      await assert.rejects(
        client.transaction(async (tx) => {
          await tx.query('UPDATE t SET v = 100 WHERE k = $1::text', ['a']);
          await tx.query('INSERT INTO t (k, v) VALUES ($1::text, $2::int)', ['b', 5]);
        }),
        (error: unknown) => {
          assert.ok(isPlugndialError(error));
          assert.equal(error.code, 'PND_DATABASE');
          assert.equal(sqlStateOf(error), '23505');
          assert.match(error.message, /unique constraint/);
          return true;
        },
      );
      assert.equal((await client.query<{ v: number }>("SELECT v FROM t WHERE k = 'a'"))[0]?.v, 1);
    });

    test('error messages never carry parameter values', async () => {
      const secret = 'sip-password-Zx81!';
      for (const text of [
        'SELECT $1::int AS n',
        'SELECT $1::jsonb AS j',
        'INSERT INTO t (k, v) VALUES ($1::text, NULL)',
      ]) {
        await assert.rejects(client.query(text, [secret]), (error: unknown) => {
          assert.ok(isPlugndialError(error));
          assert.equal(error.code, 'PND_DATABASE');
          assert.doesNotMatch(JSON.stringify(error.toJSON()), /Zx81/);
          assert.doesNotMatch(error.stack ?? '', /Zx81/);
          return true;
        });
      }
    });

    test('migrations apply once and are recorded', async () => {
      assert.equal(await migrate(client, backend), MIGRATIONS.length);
      assert.equal(await migrate(client, backend), MIGRATIONS.length);
      const rows = await client.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      assert.deepEqual(
        rows.map((row) => row.version),
        MIGRATIONS.map((migration) => migration.version),
      );
      const tables = await client.query<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
      );
      for (const table of ['devices', 'event_pages', 'file_chunks', 'files', 'meta', 'profiles']) {
        assert.ok(
          tables.some((row) => row.name === table),
          `table ${table}`,
        );
      }
      const future = [...MIGRATIONS, { version: 9_999, name: 'future', statements: [] }];
      await migrate(client, backend, future);
      await assert.rejects(migrate(client, backend), /upgrade plugndial/);
      await client.query('DELETE FROM schema_migrations WHERE version = 9999');
    });
  });
}

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

defineClientSuite(
  'embedded',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'plugndial-sql-'));
    dirs.push(dir);
    return openEmbeddedClient(join(dir, 'pgdata'));
  },
  'embedded',
);

await withPostgres('the SqlClient tests', () => {
  let server: TestPostgres | undefined;
  after(async () => {
    await server?.stop();
  });
  defineClientSuite(
    'PostgreSQL',
    async () => {
      server = await startPostgres();
      return openPostgresClient(server.url);
    },
    'postgres',
  );

  test('a PostgreSQL transaction runs on one connection throughout', async () => {
    const client = openPostgresClient(server!.url, { max: 4 });
    try {
      const pids = await client.transaction(async (tx) => {
        const seen: number[] = [];
        for (let i = 0; i < 5; i += 1) {
          const [row] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          seen.push(row!.pid);
          await Promise.all([client.query('SELECT 1'), client.query('SELECT 1')]);
        }
        return seen;
      });
      assert.equal(new Set(pids).size, 1);
    } finally {
      await client.close();
    }
  });

  test('an unreachable PostgreSQL is PND_DATABASE without the password', async () => {
    const client = openPostgresClient('postgres://user:hunter2secret@127.0.0.1:1/db');
    try {
      await assert.rejects(client.query('SELECT 1'), (error: unknown) => {
        assert.ok(isPlugndialError(error));
        assert.equal(error.code, 'PND_DATABASE');
        assert.doesNotMatch(error.message, /hunter2secret/);
        return true;
      });
    } finally {
      await client.close();
    }
  });
});
