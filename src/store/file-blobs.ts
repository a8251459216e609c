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

/** How a stored version is read: streamed, and whole when it is small (StoredFileHandle, FirmwareHandle). */
export function versionReader(
  client: SqlClient,
  version: Pick<FileVersion, 'version' | 'size' | 'sha256' | 'chunkSize'>,
  small: SmallVersionCache | undefined,
): { stream(range?: { start: number; end: number }): Readable; bytes?(): Promise<Buffer> } {
  return {
    stream: (range) => readFileVersion(client, version, range),
    ...(small && version.size <= SMALL_VERSION_BYTES
      ? { bytes: () => small.read(client, version) }
      : {}),
  };
}

/** A version this small is read whole, and its bytes kept for the next phone that asks. */
export const SMALL_VERSION_BYTES = 64 * 1024;

/**
 * The bytes of small file versions (logos, ring tones, phonebooks, a small image), kept by
 * version and checksum. A storm's phones of one model fetch the same few files; each fetch
 * would otherwise cost a query and a stream. A version is never rewritten (a new upload is a
 * new version, swapInFileVersion), and the caller has asked the store which version a path
 * or image has now before it reads, so a kept entry is never stale. Least recently used
 * entries go first past the byte budget.
 */
export class SmallVersionCache {
  readonly #entries = new Map<string, Buffer>();
  /** Reads under way: the phones of a storm asking for one file at once share one query. */
  readonly #reading = new Map<string, Promise<Buffer>>();
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(maxBytes = 8 * 1024 * 1024) {
    this.#maxBytes = maxBytes;
  }

  async read(
    client: SqlClient,
    file: Pick<FileVersion, 'version' | 'size' | 'sha256' | 'chunkSize'>,
  ): Promise<Buffer> {
    const key = `${file.version}:${file.sha256}`;
    const kept = this.#entries.get(key);
    if (kept) {
      this.#entries.delete(key);
      this.#entries.set(key, kept);
      return kept;
    }
    let reading = this.#reading.get(key);
    if (!reading) {
      reading = this.#load(client, file, key).finally(() => this.#reading.delete(key));
      this.#reading.set(key, reading);
    }
    return reading;
  }

  /** Kept entries and the bytes they hold (tests). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.#entries.size, bytes: this.#bytes };
  }

  async #load(
    client: SqlClient,
    file: Pick<FileVersion, 'version' | 'size' | 'sha256' | 'chunkSize'>,
    key: string,
  ): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const chunk of chunksOf(client, file, 0, file.size - 1)) parts.push(chunk);
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    if (bytes.length !== file.size) {
      throw new PlugndialError(
        'PND_FILE_NOT_FOUND',
        'the file was replaced or removed while it was being read; fetch it again',
      );
    }
    // A copy: the row's buffer may be a view of a larger one the driver handed out.
    const owned = Buffer.from(bytes);
    const replaced = this.#entries.get(key);
    if (replaced) this.#bytes -= replaced.length;
    this.#entries.set(key, owned);
    this.#bytes += owned.length;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.length;
    }
    return owned;
  }
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
