import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

import { PlugndialError } from '../errors.ts';
import type { SqlClient } from './sql.ts';

/** Bytes per stored chunk: big enough to keep rows few, small enough to keep memory flat. */
export const CHUNK_SIZE = 256 * 1024;

/** Chunks fetched per query while streaming out: 1 MiB in flight at most. */
const CHUNKS_PER_FETCH = 4;

export interface FileVersion {
  version: number;
  size: number;
  sha256: string;
  chunkSize: number;
}

/**
 * Writes a stream as chunks of a new, not yet served file version, one chunk in memory at a
 * time. If the stream or the database fails, the partial version is deleted and the error
 * rethrown; the file being replaced is untouched either way.
 */
export async function writeFileVersion(
  client: SqlClient,
  path: string,
  source: Readable,
): Promise<FileVersion> {
  const [row] = await client.query<{ id: number }>(
    'INSERT INTO file_versions (path, started_at) VALUES ($1::text, $2::timestamptz) RETURNING id::float8 AS id',
    [path, new Date().toISOString()],
  );
  if (!row) throw new PlugndialError('PND_DATABASE', 'database error: no file version was created');
  const version = row.id;
  const hash = createHash('sha256');
  let size = 0;
  let seq = 0;
  let chunk = Buffer.allocUnsafe(CHUNK_SIZE);
  let filled = 0;
  const flush = async (): Promise<void> => {
    await client.query(
      'INSERT INTO file_chunks (version, seq, data) VALUES ($1::bigint, $2::int, $3::bytea)',
      [version, seq, chunk.subarray(0, filled)],
    );
    seq += 1;
    chunk = Buffer.allocUnsafe(CHUNK_SIZE);
    filled = 0;
  };
  try {
    for await (const piece of source as AsyncIterable<Buffer | string>) {
      const bytes = typeof piece === 'string' ? Buffer.from(piece) : piece;
      hash.update(bytes);
      size += bytes.length;
      let offset = 0;
      while (offset < bytes.length) {
        const copied = bytes.copy(chunk, filled, offset);
        filled += copied;
        offset += copied;
        if (filled === CHUNK_SIZE) await flush();
      }
    }
    if (filled > 0) await flush();
  } catch (error) {
    await discardFileVersion(client, version);
    throw error;
  }
  return { version, size, sha256: hash.digest('hex'), chunkSize: CHUNK_SIZE };
}

/** Deletes a version and its chunks; best effort, as it only ever cleans up after a failure. */
export async function discardFileVersion(client: SqlClient, version: number): Promise<void> {
  await client
    .query('DELETE FROM file_versions WHERE id = $1::bigint', [version])
    .catch(() => undefined);
}

/**
 * Streams a stored version, or the inclusive byte range of it, fetching a few chunks per
 * query only when the consumer asks for more.
 */
export function readFileVersion(
  client: SqlClient,
  file: Pick<FileVersion, 'version' | 'size' | 'chunkSize'>,
  range?: { start: number; end: number },
): Readable {
  const start = range?.start ?? 0;
  const end = Math.min(range?.end ?? file.size - 1, file.size - 1);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0) {
    throw new PlugndialError('PND_INVALID_ARGUMENT', `byte range ${start}-${end} is not valid`);
  }
  return Readable.from(chunksOf(client, file, start, end), { objectMode: false });
}

async function* chunksOf(
  client: SqlClient,
  file: Pick<FileVersion, 'version' | 'chunkSize'>,
  start: number,
  end: number,
): AsyncGenerator<Buffer> {
  if (start > end) return;
  const lastSeq = Math.floor(end / file.chunkSize);
  for (let seq = Math.floor(start / file.chunkSize); seq <= lastSeq; seq += CHUNKS_PER_FETCH) {
    const upTo = Math.min(seq + CHUNKS_PER_FETCH - 1, lastSeq);
    // Only the asked bytes of each chunk leave the database: a small range of a big file
    // (a TFTP window, an HTTP range) costs what it reads, not whole 256 KiB chunks.
    const rows = await client.query<{ seq: number; data: Uint8Array }>(
      `SELECT seq, substr(data, skip + 1, upto - skip) AS data
       FROM (SELECT seq, data,
               CASE WHEN $4::bigint > seq * $5::bigint THEN ($4::bigint - seq * $5::bigint)::int
                 ELSE 0 END AS skip,
               CASE WHEN $6::bigint - seq * $5::bigint + 1 < length(data)
                 THEN ($6::bigint - seq * $5::bigint + 1)::int ELSE length(data) END AS upto
             FROM file_chunks WHERE version = $1::bigint AND seq BETWEEN $2::int AND $3::int) AS c
       ORDER BY seq`,
      [file.version, seq, upTo, start, file.chunkSize, end],
    );
    if (rows.length !== upTo - seq + 1) {
      throw new PlugndialError(
        'PND_FILE_NOT_FOUND',
        'the file was replaced or removed while it was being read; fetch it again',
      );
    }
    for (const row of rows) {
      yield Buffer.from(row.data.buffer, row.data.byteOffset, row.data.byteLength);
    }
  }
}
