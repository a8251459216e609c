import { PlugndialError } from '../errors.ts';
import { versionReader, type FileVersion, type SmallVersionCache } from './file-blobs.ts';
import { isoTimestamp, perDialect, type ConfigOutcome } from './sql-shapes.ts';
import type { SqlClient } from './sql.ts';
import type { StoredFile, StoredFileHandle } from './store.ts';

const COLUMNS = perDialect(
  (dialect) => `path, version::float8 AS version, size::float8 AS size, sha256, content_type,
    chunk_size, ${isoTimestamp('updated_at', dialect)} AS updated_at`,
);

interface FileRow {
  path: string;
  version: number;
  size: number;
  sha256: string;
  content_type: string;
  chunk_size: number;
  updated_at: string;
}

/** Points `path` at a fully written version and drops the version it replaces, in the caller's transaction. */
export async function swapInFileVersion(
  tx: SqlClient,
  path: string,
  written: FileVersion,
  contentType: string,
  now: Date,
): Promise<ConfigOutcome<StoredFile>> {
  const [previous] = await tx.query<{ version: number }>(
    'SELECT version::float8 AS version FROM files WHERE path = $1::text FOR UPDATE',
    [path],
  );
  const [row] = await tx.query<FileRow>(
    `INSERT INTO files (path, version, size, sha256, content_type, chunk_size, updated_at)
     VALUES ($1::text, $2::bigint, $3::bigint, $4::text, $5::text, $6::int, $7::timestamptz)
     ON CONFLICT (path) DO UPDATE SET version = EXCLUDED.version, size = EXCLUDED.size, sha256 = EXCLUDED.sha256,
       content_type = EXCLUDED.content_type, chunk_size = EXCLUDED.chunk_size, updated_at = EXCLUDED.updated_at
     RETURNING ${COLUMNS[tx.dialect]}`,
    [
      path,
      written.version,
      written.size,
      written.sha256,
      contentType,
      written.chunkSize,
      now.toISOString(),
    ],
  );
  if (!row) throw new PlugndialError('PND_DATABASE', `database error: file ${path} was not stored`);
  if (previous)
    await tx.query('DELETE FROM file_versions WHERE id = $1::bigint', [previous.version]);
  return { result: toStoredFile(row), keys: [path] };
}

export async function openFile(
  client: SqlClient,
  path: string,
  small?: SmallVersionCache,
): Promise<StoredFileHandle | undefined> {
  const [row] = await client.query<FileRow>(
    `SELECT ${COLUMNS[client.dialect]} FROM files WHERE path = $1::text`,
    [path],
  );
  if (!row) return undefined;
  const version = {
    version: row.version,
    size: row.size,
    sha256: row.sha256,
    chunkSize: row.chunk_size,
  };
  return { ...toStoredFile(row), ...versionReader(client, version, small) };
}

export async function listFiles(client: SqlClient): Promise<StoredFile[]> {
  return (
    await client.query<FileRow>(`SELECT ${COLUMNS[client.dialect]} FROM files ORDER BY path`)
  ).map(toStoredFile);
}

export async function removeFile(tx: SqlClient, path: string): Promise<ConfigOutcome<boolean>> {
  const [row] = await tx.query<{ version: number }>(
    'DELETE FROM files WHERE path = $1::text RETURNING version::float8 AS version',
    [path],
  );
  if (!row) return { result: false, keys: [] };
  await tx.query('DELETE FROM file_versions WHERE id = $1::bigint', [row.version]);
  return { result: true, keys: [path] };
}

/**
 * Deletes versions no file or firmware image points at: uploads a crashed process left behind. With several
 * nodes, only old ones, since another node may be uploading right now.
 */
export async function removeAbandonedUploads(
  client: SqlClient,
  onlyOlderThanADay: boolean,
  now: Date,
): Promise<void> {
  const age = onlyOlderThanADay ? `AND v.started_at < $1::timestamptz` : '';
  await client.query(
    `DELETE FROM file_versions AS v WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.version = v.id)
       AND NOT EXISTS (SELECT 1 FROM firmware_images i WHERE i.blob = v.id) ${age}`,
    onlyOlderThanADay ? [new Date(now.getTime() - 24 * 3600_000).toISOString()] : [],
  );
}

function toStoredFile(row: FileRow): StoredFile {
  return {
    path: row.path,
    size: row.size,
    sha256: row.sha256,
    contentType: row.content_type,
    updatedAt: row.updated_at,
  };
}
