import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';

import {
  CHUNK_SIZE,
  readFileVersion,
  SmallVersionCache,
  writeFileVersion,
} from '../../src/store/file-blobs.ts';
import { migrate } from '../../src/store/migrations.ts';
import type { SqlClient } from '../../src/store/sql.ts';
import { openSqliteClient } from '../../src/store/sqlite-client.ts';
import { byteAt, patternSha256, patternStream } from './store-suite.ts';

let client: SqlClient;
const chunkReads: number[][] = [];

/** The embedded client, recording which chunk numbers each read query asks for. */
function counting(inner: SqlClient): SqlClient {
  return {
    dialect: inner.dialect,
    query: (text, params) => {
      if (text.startsWith('SELECT seq, substr(data'))
        chunkReads.push([Number(params?.[1]), Number(params?.[2])]);
      return inner.query(text, params);
    },
    transaction: (fn) => inner.transaction(fn),
    snapshot: (fn) => inner.snapshot(fn),
    close: () => inner.close(),
  };
}

before(async () => {
  client = counting(openSqliteClient(':memory:'));
  await migrate(client);
});
after(async () => {
  await client?.close();
});

test('a stream is cut into fixed chunks whatever the pieces it arrives in', async () => {
  const size = CHUNK_SIZE * 3 + 1234;
  const written = await writeFileVersion(client, 'a.bin', patternStream(size, 100_003));
  assert.equal(written.size, size);
  assert.equal(written.sha256, patternSha256(size));
  const rows = await client.query<{ seq: number; n: number }>(
    'SELECT seq, length(data) AS n FROM file_chunks WHERE version = $1::bigint ORDER BY seq',
    [written.version],
  );
  assert.deepEqual(rows, [
    { seq: 0, n: CHUNK_SIZE },
    { seq: 1, n: CHUNK_SIZE },
    { seq: 2, n: CHUNK_SIZE },
    { seq: 3, n: 1234 },
  ]);
});

test('reading fetches chunks only as the consumer asks for them', async () => {
  const size = CHUNK_SIZE * 16;
  const written = await writeFileVersion(client, 'b.bin', patternStream(size));
  chunkReads.length = 0;
  const stream = readFileVersion(client, written);
  const [first] = (await once(stream, 'data')) as [Buffer];
  stream.pause();
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(first[0], byteAt(0));
  assert.ok(chunkReads.length <= 2, `fetched ${chunkReads.length} batches for the first bytes`);
  assert.ok(chunkReads.every(([from, to]) => to! - from! < 4));
  stream.destroy();
});

test('a range inside one chunk reads one chunk; a range past the end is clamped', async () => {
  const written = await writeFileVersion(client, 'c.bin', patternStream(CHUNK_SIZE * 4));
  chunkReads.length = 0;
  const parts: Buffer[] = [];
  for await (const part of readFileVersion(client, written, {
    start: CHUNK_SIZE * 2 + 10,
    end: CHUNK_SIZE * 2 + 19,
  })) {
    parts.push(part as Buffer);
  }
  assert.deepEqual(chunkReads, [[2, 2]]);
  assert.deepEqual(
    [...Buffer.concat(parts)],
    Array.from({ length: 10 }, (_, i) => byteAt(CHUNK_SIZE * 2 + 10 + i)),
  );

  const tail: Buffer[] = [];
  for await (const part of readFileVersion(client, written, {
    start: CHUNK_SIZE * 4 - 3,
    end: CHUNK_SIZE * 9,
  }))
    tail.push(part as Buffer);
  assert.equal(Buffer.concat(tail).length, 3);
});

test('a failed upload leaves no chunks behind', async () => {
  const before = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM file_chunks');
  await assert.rejects(
    writeFileVersion(client, 'd.bin', patternStream(CHUNK_SIZE * 3, 65_536, CHUNK_SIZE * 2)),
    /interrupted/,
  );
  const afterwards = await client.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM file_chunks',
  );
  assert.deepEqual(afterwards, before);
});

test('small versions are read once and kept, least recently used out past the budget', async () => {
  const cache = new SmallVersionCache(10_000);
  const a = await writeFileVersion(client, 'small-a', patternStream(4_000));
  const b = await writeFileVersion(client, 'small-b', patternStream(4_000));
  const c = await writeFileVersion(client, 'small-c', patternStream(4_000));
  const reads = (): number => chunkReads.length;
  chunkReads.length = 0;
  const first = await cache.read(client, a);
  assert.equal(first.length, 4_000);
  assert.equal(first[1234], byteAt(1234));
  await cache.read(client, a);
  assert.equal(reads(), 1, 'the second read is the kept bytes');
  await cache.read(client, b);
  await cache.read(client, a); // a is now the most recent
  await cache.read(client, c); // 12,000 bytes: b, the least recent, goes
  assert.equal(reads(), 3);
  await cache.read(client, a);
  assert.equal(reads(), 3, 'a stayed');
  await cache.read(client, b);
  assert.equal(reads(), 4, 'b was read again');
  // The same version number with other bytes (another database) is not mistaken for it.
  await assert.rejects(
    cache.read(client, { ...a, sha256: 'other', size: 4_001 }),
    /replaced or removed/,
  );
});

test('phones asking for one small file at once share one read, and the budget stays true', async () => {
  const cache = new SmallVersionCache(10_000);
  const d = await writeFileVersion(client, 'small-d', patternStream(4_000));
  const e = await writeFileVersion(client, 'small-e', patternStream(4_000));
  chunkReads.length = 0;
  const all = await Promise.all(Array.from({ length: 50 }, () => cache.read(client, d)));
  assert.equal(chunkReads.length, 1, 'one read for 50 phones');
  assert.ok(all.every((bytes) => bytes === all[0]));
  assert.deepEqual(cache.size, { entries: 1, bytes: 4_000 });
  // With the budget counted right, the next file is kept too.
  await cache.read(client, e);
  await cache.read(client, e);
  assert.equal(chunkReads.length, 2);
  assert.deepEqual(cache.size, { entries: 2, bytes: 8_000 });
});
