import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { isPlugndialError } from '../../src/errors.ts';
import { migrate, migrationsFor } from '../../src/store/migrations.ts';
import { openPostgresClient } from '../../src/store/postgres-client.ts';
import { sqlStateOf, type SqlClient } from '../../src/store/sql.ts';
import { openSqliteClient, sqliteText, type SqliteOptions } from '../../src/store/sqlite-client.ts';
import { startPostgres, type TestPostgres, withPostgres } from '../support/postgres.ts';

function defineClientSuite(name: string, open: () => Promise<SqlClient>): void {
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
          assert.match(error.message, /unique constraint/i);
          return true;
        },
      );
      assert.equal((await client.query<{ v: number }>("SELECT v FROM t WHERE k = 'a'"))[0]?.v, 1);
    });

    test('error messages never carry parameter values', async () => {
      const secret = 'sip-password-Zx81!';
      const failing =
        client.dialect === 'postgres'
          ? ['SELECT $1::int AS n', 'SELECT $1::jsonb AS j']
          : ['SELECT json($1::text) AS j', "SELECT json_extract('{}', $1::text) AS j"];
      for (const text of [...failing, 'INSERT INTO t (k, v) VALUES ($1::text, NULL)']) {
        await assert.rejects(client.query(text, [secret]), (error: unknown) => {
          assert.ok(isPlugndialError(error));
          assert.equal(error.code, 'PND_DATABASE');
          assert.doesNotMatch(JSON.stringify(error.toJSON()), /Zx81/);
          assert.doesNotMatch(error.stack ?? '', /Zx81/);
          return true;
        });
      }
    });

    test('migrations apply once and are recorded; both engines reach the same version', async () => {
      const migrations = migrationsFor(client.dialect);
      const latest = migrations[migrations.length - 1]!.version;
      assert.equal(latest, migrationsFor('postgres').at(-1)!.version);
      assert.equal(await migrate(client), latest);
      assert.equal(await migrate(client), latest);
      const rows = await client.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      assert.deepEqual(
        rows.map((row) => row.version),
        migrations.map((migration) => migration.version),
      );
      const tables = await client.query<{ name: string }>(
        client.dialect === 'postgres'
          ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
          : "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY 1",
      );
      for (const table of ['devices', 'events', 'file_chunks', 'files', 'meta', 'profiles']) {
        assert.ok(
          tables.some((row) => row.name === table),
          `table ${table}`,
        );
      }
      assert.ok(!tables.some((row) => row.name === 'event_pages'));
      const future = [...migrations, { version: 9_999, name: 'future', statements: [] }];
      await migrate(client, future);
      await assert.rejects(migrate(client), /upgrade plugndial/);
      await client.query('DELETE FROM schema_migrations WHERE version = 9999');
    });

    test('a snapshot sees one moment while writes go on beside it', async () => {
      await client.query('DELETE FROM t');
      await client.query("INSERT INTO t (k, v) VALUES ('s1', 1)");
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      const seen = client.snapshot(async (view) => {
        const first = await view.query<{ n: number }>('SELECT count(*)::int AS n FROM t');
        entered();
        await held;
        const second = await view.query<{ n: number }>('SELECT count(*)::int AS n FROM t');
        return [first[0]!.n, second[0]!.n];
      });
      await inside;
      // Neither a lone write nor a transaction waits for the open snapshot.
      await client.query("INSERT INTO t (k, v) VALUES ('s2', 2)");
      await client.transaction((tx) => tx.query("INSERT INTO t (k, v) VALUES ('s3', 3)"));
      release();
      assert.deepEqual(await seen, [1, 1]);
      const [now] = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM t');
      assert.equal(now!.n, 3);
    });
  });
}

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

defineClientSuite('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plugndial-sql-'));
  dirs.push(dir);
  return openSqliteClient(join(dir, 'plugndial.db'));
});

describe('SQLite client', () => {
  /** A database file of its own (a reader beside the writer, unlike :memory:), with table t. */
  async function fileClientWithTable(options: SqliteOptions = {}): Promise<SqlClient> {
    const dir = mkdtempSync(join(tmpdir(), 'plugndial-sql-'));
    dirs.push(dir);
    const client = openSqliteClient(join(dir, 'plugndial.db'), options);
    await client.query('CREATE TABLE t (k text PRIMARY KEY)');
    return client;
  }

  test("PostgreSQL's text becomes SQLite's: placeholders named, casts and row locks dropped", () => {
    const { sql, types } = sqliteText(
      `SELECT count(*)::int AS n, $2 AS b FROM devices d WHERE mac = $1::text AND at < $3::timestamptz
       AND x = '{}'::jsonb AND ids @> $4::text[] FOR UPDATE OF d`,
    );
    assert.equal(
      sql,
      `SELECT count(*) AS n, @p2 AS b FROM devices d WHERE mac = @p1 AND at < @p3
       AND x = '{}' AND ids @> @p4`,
    );
    assert.deepEqual([...types].sort(), [
      [1, 'text'],
      [2, undefined],
      [3, 'timestamptz'],
      [4, 'text[]'],
    ]);
  });

  test('times are bound as ISO-8601 UTC text with milliseconds; a bad one is refused', async () => {
    const client = openSqliteClient(':memory:');
    try {
      const [row] = await client.query<{ at: string; flag: number }>(
        'SELECT $1::timestamptz AS at, $2::boolean AS flag',
        ['2026-03-01T13:00:00+01:00', true],
      );
      assert.deepEqual(row, { at: '2026-03-01T12:00:00.000Z', flag: 1 });
      await assert.rejects(client.query('SELECT $1::timestamptz AS at', ['yesterday']), (error) => {
        assert.ok(isPlugndialError(error));
        assert.equal(error.code, 'PND_INVALID_ARGUMENT');
        return true;
      });
    } finally {
      await client.close();
    }
  });

  test('a read outside a transaction does not wait for an open one, and sees only what is committed', async () => {
    const client = await fileClientWithTable();
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      const order: string[] = [];
      const open = client.transaction(async (tx) => {
        await tx.query("INSERT INTO t (k) VALUES ('in-tx')");
        entered();
        await held;
        order.push('commit');
      });
      await inside;
      assert.deepEqual(await client.query('SELECT k FROM t'), []);
      order.push('read');
      // A lone write takes its turn after the open transaction.
      const write = client
        .query("INSERT INTO t (k) VALUES ('after')")
        .then(() => order.push('write'));
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(order, ['read']);
      release();
      await Promise.all([open, write]);
      assert.deepEqual(order, ['read', 'commit', 'write']);
      assert.deepEqual(await client.query('SELECT k FROM t ORDER BY k'), [
        { k: 'after' },
        { k: 'in-tx' },
      ]);
    } finally {
      await client.close();
    }
  });

  test('transactions that wait for the writer commit together; a failing one alone is undone', async () => {
    const client = await fileClientWithTable();
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const first = client.transaction(async (tx) => {
        await tx.query("INSERT INTO t (k) VALUES ('first')");
        await held;
      });
      // These three ask while the first holds the writer: they wait as one group.
      const committed: string[] = [];
      const second = client.transaction(async (tx) => {
        await tx.query("INSERT INTO t (k) VALUES ('second')");
        return 'second';
      });
      const failing = client.transaction(async (tx) => {
        await tx.query("INSERT INTO t (k) VALUES ('undone')");
        throw new Error('the caller changed its mind');
      });
      // Its error comes at once; the others are answered once the log is synced.
      const undone = assert.rejects(failing, /the caller changed its mind/);
      const third = client.transaction(async (tx) => {
        // It sees the group's earlier member, as if run after it…
        const mine = await tx.query<{ k: string }>("SELECT k FROM t WHERE k = 'second'");
        // …while a reader outside sees nothing of the group before its one commit.
        const outside = await client.query<{ k: string }>("SELECT k FROM t WHERE k = 'second'");
        await tx.query("INSERT INTO t (k) VALUES ('third')");
        return { mine: mine.length, outside: outside.length };
      });
      void second.then((v) => committed.push(v));
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(committed, [], 'nothing is answered while the writer is held');
      release();
      await first;
      assert.equal(await second, 'second');
      await undone;
      assert.deepEqual(await third, { mine: 1, outside: 0 });
      assert.deepEqual(await client.query('SELECT k FROM t ORDER BY k'), [
        { k: 'first' },
        { k: 'second' },
        { k: 'third' },
      ]);
    } finally {
      await client.close();
    }
  });

  test('when the group’s own bookkeeping fails, every member of the group is answered', async () => {
    const client = await fileClientWithTable();
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const first = client.transaction(async () => {
        await held;
      });
      // The first one has the writer: those asked from now on wait as a group of their own.
      await new Promise((resolve) => setImmediate(resolve));
      // A member that ends the savepoint the group opened for it: the group cannot roll it
      // back to that savepoint, and gives up on the whole group.
      const unruly = client.transaction(async (tx) => {
        await tx.query("INSERT INTO t (k) VALUES ('unruly')");
        await tx.query('RELEASE member');
        throw new Error('the member failed');
      });
      const after = client.transaction(async (tx) => {
        await tx.query("INSERT INTO t (k) VALUES ('after')");
      });
      const settled = Promise.allSettled([unruly, after]);
      release();
      await first;
      const [a, b] = await settled;
      assert.equal(a.status, 'rejected');
      assert.equal(b.status, 'rejected', 'the member after it is told, not left waiting');
      assert.deepEqual(await client.query('SELECT k FROM t ORDER BY k'), []);
      // The writer goes on.
      await client.transaction((tx) => tx.query("INSERT INTO t (k) VALUES ('next')"));
      assert.deepEqual(await client.query('SELECT k FROM t'), [{ k: 'next' }]);
    } finally {
      await client.close();
    }
  });

  /** A log sync the test finishes by hand: each call waits in `pending` until released. */
  function heldSyncs(): { pending: (() => void)[]; options: SqliteOptions } {
    const pending: (() => void)[] = [];
    return {
      pending,
      options: {
        syncLog: (log) =>
          new Promise<void>((resolve, reject) =>
            pending.push(() => log.datasync().then(resolve, reject)),
          ),
      },
    };
  }

  async function until(what: string, ready: () => boolean): Promise<void> {
    for (let turns = 0; turns < 2000 && !ready(); turns += 1)
      await new Promise((resolve) => setTimeout(resolve, 1));
    assert.ok(ready(), what);
  }

  test('a durable change is answered once the log is synced; commits during a sync share the next', async () => {
    const syncs = heldSyncs();
    const opening = fileClientWithTable(syncs.options);
    await until('the table’s own sync', () => syncs.pending.length === 1);
    syncs.pending.shift()!();
    const client = await opening;
    try {
      const answered: string[] = [];
      const first = client
        .transaction((tx) => tx.query("INSERT INTO t (k) VALUES ('first')"))
        .then(() => answered.push('first'));
      await until('a sync for the first change', () => syncs.pending.length === 1);
      // Committed and seen by readers, but not answered: the disk has not confirmed it.
      assert.deepEqual(await client.query("SELECT k FROM t WHERE k = 'first'"), [{ k: 'first' }]);
      assert.equal(answered.length, 0);
      // The writer is free meanwhile. A lazy change is answered at once; durable ones made
      // now wait for the sync after this one, all of them together.
      await client.transaction((tx) => tx.query("INSERT INTO t (k) VALUES ('lazy')"), {
        lazyCommit: true,
      });
      const later = Array.from({ length: 10 }, (_, i) =>
        client
          .transaction((tx) => tx.query('INSERT INTO t (k) VALUES ($1::text)', [`later-${i}`]))
          .then(() => answered.push(`later-${i}`)),
      );
      const lone = client
        .query("INSERT INTO t (k) VALUES ('lone')")
        .then(() => answered.push('lone'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(answered.length, 0);
      assert.equal(syncs.pending.length, 1, 'one sync at a time');
      syncs.pending.shift()!();
      await first;
      assert.deepEqual(answered, ['first'], 'the first sync began before the later commits');
      await until('one more sync for all the later changes', () => syncs.pending.length === 1);
      syncs.pending.shift()!();
      await Promise.all([...later, lone]);
      assert.equal(answered.length, 12);
      assert.equal(syncs.pending.length, 0, 'twelve changes, one sync');
      const rows = await client.query<{ n: number }>('SELECT count(*) AS n FROM t');
      assert.equal(rows[0]?.n, 13);
    } finally {
      for (const release of syncs.pending) release();
      await client.close();
    }
  });

  test('a change whose log sync fails is refused with a database error, and the store goes on', async () => {
    let failing = true;
    const client = await fileClientWithTable({
      syncLog: (log) =>
        failing ? Promise.reject(new Error('EIO: i/o error, fdatasync')) : log.datasync(),
    }).catch(() => undefined);
    // The table itself was a lone write: its sync failed, so it was refused too.
    assert.equal(client, undefined);
    const dir = dirs.at(-1)!;
    const reopened = openSqliteClient(join(dir, 'plugndial.db'), {
      syncLog: (log) =>
        failing ? Promise.reject(new Error('EIO: i/o error, fdatasync')) : log.datasync(),
    });
    try {
      await assert.rejects(
        reopened.transaction((tx) => tx.query("INSERT INTO t (k) VALUES ('unsure')")),
        (error: unknown) => {
          assert.ok(isPlugndialError(error));
          assert.equal(error.code, 'PND_DATABASE');
          assert.match(error.message, /did not confirm the last change \(EIO/);
          assert.match(error.message, /check the disk/);
          return true;
        },
      );
      failing = false;
      await reopened.transaction((tx) => tx.query("INSERT INTO t (k) VALUES ('sure')"));
      const rows = await reopened.query<{ k: string }>('SELECT k FROM t ORDER BY k');
      assert.deepEqual(rows, [{ k: 'sure' }, { k: 'unsure' }]);
    } finally {
      await reopened.close();
    }
  });

  test('a file that is not a database is named, with what to do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plugndial-sql-'));
    dirs.push(dir);
    const file = join(dir, 'plugndial.db');
    writeFileSync(file, 'this is a spreadsheet, not a database'.repeat(200));
    assert.throws(
      () => openSqliteClient(file),
      (error: unknown) => {
        assert.ok(isPlugndialError(error));
        assert.equal(error.code, 'PND_DATABASE');
        assert.ok(error.message.includes(file));
        assert.match(error.message, /not a plugndial database or is damaged.*restore/);
        return true;
      },
    );
  });
});

await withPostgres('the SqlClient tests', () => {
  let server: TestPostgres | undefined;
  after(async () => {
    await server?.stop();
  });
  defineClientSuite('PostgreSQL', async () => {
    server = await startPostgres();
    return openPostgresClient(server.url);
  });

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
