import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { PGlite } from '@electric-sql/pglite';

import { isPlugndialError } from '../../src/errors.ts';
import { embeddedWorkerOf, openEmbeddedClient, sqlStateOf } from '../../src/store/sql.ts';
import type { SqlClient } from '../../src/store/sql.ts';

function isDatabaseError(error: unknown): boolean {
  assert.ok(isPlugndialError(error), `not a PlugndialError: ${String(error)}`);
  assert.equal(error.code, 'PND_DATABASE');
  return true;
}

describe('embedded client on a worker thread: transactions', () => {
  let client: SqlClient;
  before(async () => {
    client = await openEmbeddedClient('memory://');
    await client.query('CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)');
    await client.query('CREATE TABLE t (k text PRIMARY KEY, v int NOT NULL)');
  });
  after(async () => {
    await client?.close();
  });

  test('a statement from outside an open transaction waits for its commit and sees it whole', async () => {
    let committed = false;
    let release: () => void = () => undefined;
    const hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const transaction = client.transaction(async (tx) => {
      await tx.query("INSERT INTO t (k, v) VALUES ('held', 1)");
      await hold;
      await tx.query("INSERT INTO t (k, v) VALUES ('held2', 2)");
      committed = true;
    });
    // Let BEGIN and the first insert run before the outside statement is sent.
    await sleep(50);
    const outside = client
      .query<{ n: number }>("SELECT count(*)::int AS n FROM t WHERE k LIKE 'held%'")
      .then((rows) => ({ committed, n: rows[0]?.n }));
    await sleep(50);
    release();
    await transaction;
    assert.deepEqual(await outside, { committed: true, n: 2 });
  });

  test('concurrent transactions never interleave, and plain statements run between them', async () => {
    await client.query('INSERT INTO counter (id, n) VALUES (1, 0)');
    const log: string[] = [];
    const runs = Array.from({ length: 20 }, (_, i) =>
      client.transaction(async (tx) => {
        const [row] = await tx.query<{ n: number }>('SELECT n FROM counter WHERE id = 1');
        log.push(`start ${i}`);
        // A read-modify-write with a pause: lost updates if another transaction slipped in.
        await sleep(i % 3);
        await tx.query('UPDATE counter SET n = $1::int WHERE id = 1', [row!.n + 1]);
        if (i % 5 === 4) throw new Error(`give up ${i}`);
        log.push(`end ${i}`);
        return i;
      }),
    );
    const plain = Array.from({ length: 20 }, () =>
      client.query<{ n: number }>('SELECT n FROM counter WHERE id = 1'),
    );
    const outcomes = await Promise.allSettled(runs);
    const seen = (await Promise.all(plain)).map((rows) => rows[0]!.n);

    const failed = outcomes.filter((outcome) => outcome.status === 'rejected');
    assert.equal(failed.length, 4);
    for (const outcome of failed) assert.match(String(outcome.reason), /give up/);
    const [row] = await client.query<{ n: number }>('SELECT n FROM counter WHERE id = 1');
    assert.equal(row!.n, 16);
    // Each plain statement saw a committed count, never a half-done one.
    for (const n of seen) assert.ok(n >= 0 && n <= 16, `saw ${n}`);
    // Starts and ends alternate: no transaction began while another was open.
    let open: string | undefined;
    for (const entry of log) {
      const [kind, i] = entry.split(' ');
      if (kind === 'start') {
        assert.equal(open, undefined, `${entry} while ${open} is open`);
        open = i;
      } else {
        assert.equal(i, open);
        open = undefined;
      }
      // A transaction that gave up has no end; the next start closes it.
      if (kind === 'start' && Number(i) % 5 === 4) open = undefined;
    }
  });

  test('a nested transaction joins the outer one: its statements roll back with it', async () => {
    await assert.rejects(
      client.transaction(async (tx) => {
        await tx.query("INSERT INTO t (k, v) VALUES ('outer', 1)");
        await tx.transaction(async (inner) => {
          assert.equal(inner, tx);
          await inner.query("INSERT INTO t (k, v) VALUES ('inner', 2)");
          const rows = await inner.query("SELECT k FROM t WHERE k IN ('outer', 'inner')");
          assert.equal(rows.length, 2);
        });
        throw new Error('undo both');
      }),
      /undo both/,
    );
    assert.deepEqual(await client.query("SELECT k FROM t WHERE k IN ('outer', 'inner')"), []);
  });

  test('a transaction whose statement failed does not commit, even if the error was caught', async () => {
    await assert.rejects(
      client.transaction(async (tx) => {
        await tx.query("INSERT INTO t (k, v) VALUES ('aborted', 1)");
        await tx.query("INSERT INTO t (k, v) VALUES ('aborted', 1)").catch(() => undefined);
        return 'done';
      }),
      (error: unknown) => isDatabaseError(error) && sqlStateOf(error) === '25P02',
    );
    assert.deepEqual(await client.query("SELECT k FROM t WHERE k = 'aborted'"), []);
  });

  test('a transaction client used after its end fails clearly', async () => {
    let kept: SqlClient | undefined;
    await client.transaction(async (tx) => {
      kept = tx;
    });
    await assert.rejects(kept!.query('SELECT 1'), (error: unknown) => {
      isDatabaseError(error);
      assert.match((error as Error).message, /Transaction is closed/);
      return true;
    });
    // And the connection is not left inside a transaction.
    assert.deepEqual(await client.query('SELECT 1 AS one'), [{ one: 1 }]);
  });
});

describe('embedded client on a worker thread: values and errors', () => {
  let client: SqlClient;
  let reference: PGlite;
  before(async () => {
    client = await openEmbeddedClient('memory://');
    reference = await PGlite.create('memory://');
    for (const db of [client, reference]) {
      await db.query('CREATE TABLE blobs (id int PRIMARY KEY, data bytea NOT NULL)');
      await db.query('CREATE TABLE secrets (k text PRIMARY KEY)');
    }
  });
  after(async () => {
    await client?.close();
    await reference?.close();
  });

  test('values arrive as PGlite gives them on the main thread', async () => {
    const text = `SELECT $1::int AS i, $2::bigint AS big, 9007199254740993::bigint AS huge,
      1.5::float8 AS f, 12.30::numeric AS num, true AS b, 'é'::text AS t, NULL::text AS nothing,
      $3::jsonb AS j, '{"a": [1, null]}'::json AS js, $4::timestamptz AS at, $5::text AS from_buffer,
      ARRAY['a', 'b'] AS arr, '{1,2}'::int[] AS ints, $6::bytea AS bytes, ''::bytea AS empty,
      '1 day'::interval AS span, 'infinity'::timestamptz AS forever`;
    const params = [
      7,
      42n,
      JSON.stringify({ nested: { list: [1, 'two', null] } }),
      new Date('2026-01-02T03:04:05.678Z'),
      Buffer.from('hello'),
      Buffer.from([0, 1, 254, 255]),
    ];
    const fromWorker = await client.query(text, params);
    const onMainThread = (await reference.query(text, params)).rows;
    assert.deepStrictEqual(fromWorker, onMainThread);
    const [row] = fromWorker as Record<string, unknown>[];
    assert.ok(row!.at instanceof Date);
    assert.equal(row!.from_buffer, 'hello');
    assert.equal(typeof row!.huge, 'bigint');
  });

  test('bytea round-trips every byte value, large and small, and leaves the caller its buffer', async () => {
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const large = Buffer.alloc(3 * 1024 * 1024 + 7);
    for (let i = 0; i < large.length; i += 1) large[i] = (i * 31 + (i >>> 9)) & 0xff;
    // A small Buffer shares Node's 8 KiB pool; it must neither drag the pool along nor lose it.
    const pooled = Buffer.from('pooled bytes');
    const view = large.subarray(1000, 5000);
    const cases = [every, large, pooled, view, new Uint8Array([9, 8, 7]), Buffer.alloc(0)];
    for (const [id, data] of cases.entries()) {
      await client.query('INSERT INTO blobs (id, data) VALUES ($1::int, $2::bytea)', [id, data]);
    }
    assert.equal(pooled.toString(), 'pooled bytes');
    assert.equal(large.length, 3 * 1024 * 1024 + 7);
    const rows = await client.query<{ id: number; data: Uint8Array }>(
      'SELECT id, data FROM blobs ORDER BY id',
    );
    assert.equal(rows.length, cases.length);
    for (const row of rows) {
      assert.ok(row.data instanceof Uint8Array);
      assert.ok(Buffer.from(row.data).equals(cases[row.id]!), `case ${row.id}`);
    }
    const lengths = await client.query<{ n: number }>(
      'SELECT length(data) AS n FROM blobs ORDER BY id',
    );
    assert.deepEqual(
      lengths.map((row) => row.n),
      cases.map((data) => data.length),
    );
  });

  test('errors are PND_DATABASE with the SQLSTATE, the table and the constraint, never the values', async () => {
    const secret = 'sip-password-Qw93!';
    await client.query('INSERT INTO secrets (k) VALUES ($1::text)', [secret]);
    await assert.rejects(
      client.query('INSERT INTO secrets (k) VALUES ($1::text)', [secret]),
      (error: unknown) => {
        isDatabaseError(error);
        assert.equal(sqlStateOf(error), '23505');
        assert.deepEqual((error as { details?: unknown }).details, {
          sqlState: '23505',
          table: 'secrets',
          constraint: 'secrets_pkey',
        });
        assert.match((error as Error).message, /during INSERT on secrets: duplicate key/);
        return true;
      },
    );
    for (const [text, state] of [
      ['SELECT $1::int AS n', '22P02'],
      ['SELECT $1::jsonb AS j', '22P02'],
      ['SELECT * FROM $1', '42601'],
    ] as const) {
      await assert.rejects(client.query(text, [secret]), (error: unknown) => {
        isDatabaseError(error);
        assert.equal(sqlStateOf(error), state);
        const seen = JSON.stringify((error as { toJSON(): unknown }).toJSON());
        assert.doesNotMatch(seen, /Qw93/);
        assert.doesNotMatch((error as Error).stack ?? '', /Qw93/);
        return true;
      });
    }
    await assert.rejects(client.query('SELECT $1::text', [() => secret]), (error: unknown) => {
      isDatabaseError(error);
      assert.doesNotMatch((error as Error).message, /Qw93/);
      return true;
    });
  });

  test('a long statement runs off the main thread: timers keep firing meanwhile', async () => {
    let ticks = 0;
    const timer = setInterval(() => {
      ticks += 1;
    }, 10);
    try {
      await client.query('SELECT pg_sleep(0.4)');
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks >= 5, `only ${ticks} ticks of a 10 ms timer during a 400 ms statement`);
  });
});

describe('embedded client on a worker thread: lifetime', () => {
  test('close ends the worker; later calls fail clearly', async () => {
    const client = await openEmbeddedClient('memory://');
    const worker = embeddedWorkerOf(client)!;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    await client.close();
    await exited;
    await client.close();
    await assert.rejects(client.query('SELECT 1'), (error: unknown) => {
      isDatabaseError(error);
      assert.match((error as Error).message, /closed/);
      return true;
    });
    await assert.rejects(
      client.transaction(() => Promise.resolve()),
      (error: unknown) => isDatabaseError(error),
    );
  });

  test('close waits for an open transaction, which still commits', async () => {
    const client = await openEmbeddedClient('memory://');
    let closing: Promise<void> | undefined;
    const order: string[] = [];
    await client.transaction(async (tx) => {
      await tx.query('CREATE TABLE kept (n int)');
      closing = client.close().then(() => {
        order.push('closed');
      });
      await sleep(20);
      await tx.query('INSERT INTO kept VALUES (1)');
      order.push('committing');
    });
    await closing;
    assert.deepEqual(order, ['committing', 'closed']);
  });

  test('a crash of the worker fails what waits and what follows with PND_DATABASE', async () => {
    const client = await openEmbeddedClient('memory://');
    const waiting = client.query('SELECT pg_sleep(5)');
    const inTransaction = client.transaction((tx) => tx.query('SELECT 1'));
    await sleep(50);
    const started = Date.now();
    await embeddedWorkerOf(client)!.terminate();
    for (const pending of [waiting, inTransaction]) {
      await assert.rejects(pending, (error: unknown) => {
        isDatabaseError(error);
        assert.match((error as Error).message, /embedded database thread stopped/);
        return true;
      });
    }
    await assert.rejects(client.query('SELECT 1'), (error: unknown) => {
      isDatabaseError(error);
      assert.match((error as Error).message, /embedded database thread stopped/);
      return true;
    });
    await assert.rejects(
      client.transaction(() => Promise.resolve()),
      (error: unknown) => isDatabaseError(error),
    );
    await client.close();
    assert.ok(Date.now() - started < 4_000, 'the crash was noticed before the statement ended');
  });

  test('neither an idle open client nor a closed one keeps the process alive', () => {
    const sql = resolve('src/store/sql.ts');
    for (const closeIt of [true, false]) {
      const script = `
        const { openEmbeddedClient } = await import(${JSON.stringify(sql)});
        const client = await openEmbeddedClient('memory://');
        const [row] = await client.query('SELECT 41 + 1 AS n');
        if (${closeIt}) await client.close();
        process.stdout.write('answer ' + row.n);`;
      const child = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { encoding: 'utf8', timeout: 60_000 },
      );
      assert.equal(child.signal, null, `close=${closeIt}: still running after 60 s`);
      assert.equal(child.status, 0, child.stderr);
      assert.equal(child.stdout, 'answer 42');
    }
  });

  test('a data directory that cannot be opened is PND_DATABASE and leaves no thread behind', async () => {
    await assert.rejects(openEmbeddedClient('/proc/plugndial-cannot-be-here/pgdata'), (error) =>
      isDatabaseError(error),
    );
  });
});
