import { PlugndialError } from '../errors.ts';
import { versionReader, type FileVersion, type SmallVersionCache } from './file-blobs.ts';
import { isoTimestamp, perDialect, type ConfigOutcome } from './sql-shapes.ts';
import type { SqlClient } from './sql.ts';
import type { FirmwareHandle, FirmwareImage, FirmwareKey, FirmwareUpload } from './store.ts';

const COLUMNS = perDialect(
  (dialect) => `vendor, model, version, file_name, blob::float8 AS blob, size::float8 AS size,
    sha256, content_type, chunk_size, ${isoTimestamp('created_at', dialect)} AS created_at`,
);

interface FirmwareRow {
  vendor: string;
  model: string;
  version: string;
  file_name: string;
  blob: number;
  size: number;
  sha256: string;
  content_type: string;
  chunk_size: number;
  created_at: string;
}

const MATCH = 'vendor = $1::text AND lower(model) = lower($2::text) AND version = $3::text';

/**
 * Adds a fully written, verified image to the catalogue in the caller's transaction.
 * An image already there under the same vendor, model and version is refused: phones may
 * be fetching it, and a version names one image for good.
 */
export async function insertFirmware(
  tx: SqlClient,
  upload: FirmwareUpload,
  written: FileVersion,
  now: Date,
): Promise<ConfigOutcome<FirmwareImage>> {
  const existing = await tx.query(`SELECT version FROM firmware_images WHERE ${MATCH} FOR UPDATE`, [
    upload.vendor,
    upload.model,
    upload.version,
  ]);
  if (existing.length > 0) throw firmwareExists(upload);
  const [row] = await tx.query<FirmwareRow>(
    `INSERT INTO firmware_images (vendor, model, version, file_name, blob, size, sha256, content_type, chunk_size, created_at)
     VALUES ($1::text, $2::text, $3::text, $4::text, $5::bigint, $6::bigint, $7::text, $8::text, $9::int, $10::timestamptz)
     RETURNING ${COLUMNS[tx.dialect]}`,
    [
      upload.vendor,
      upload.model,
      upload.version,
      upload.fileName,
      written.version,
      written.size,
      written.sha256,
      upload.contentType,
      written.chunkSize,
      now.toISOString(),
    ],
  );
  if (!row) throw new PlugndialError('PND_DATABASE', 'database error: the image was not stored');
  return { result: toImage(row), keys: [keyOf(upload)] };
}

export async function listFirmware(client: SqlClient): Promise<FirmwareImage[]> {
  const rows = await client.query<FirmwareRow>(
    `SELECT ${COLUMNS[client.dialect]} FROM firmware_images ORDER BY vendor, lower(model), created_at, version`,
  );
  return rows.map(toImage);
}

export async function openFirmware(
  client: SqlClient,
  key: FirmwareKey,
  small?: SmallVersionCache,
): Promise<FirmwareHandle | undefined> {
  const [row] = await client.query<FirmwareRow>(
    `SELECT ${COLUMNS[client.dialect]} FROM firmware_images WHERE ${MATCH}`,
    [key.vendor, key.model, key.version],
  );
  if (!row) return undefined;
  const version = {
    version: row.blob,
    size: row.size,
    sha256: row.sha256,
    chunkSize: row.chunk_size,
  };
  return { ...toImage(row), ...versionReader(client, version, small) };
}

export async function removeFirmware(
  tx: SqlClient,
  key: FirmwareKey,
): Promise<ConfigOutcome<boolean>> {
  const [row] = await tx.query<{ blob: number }>(
    `DELETE FROM firmware_images WHERE ${MATCH} RETURNING blob::float8 AS blob`,
    [key.vendor, key.model, key.version],
  );
  if (!row) return { result: false, keys: [] };
  await tx.query('DELETE FROM file_versions WHERE id = $1::bigint', [row.blob]);
  return { result: true, keys: [keyOf(key)] };
}

export function firmwareExists(key: FirmwareKey): PlugndialError {
  return new PlugndialError(
    'PND_FIRMWARE_EXISTS',
    `the catalogue already has ${key.vendor} ${key.model} ${key.version}; remove it first ("plugndial firmware rm") or use another version`,
    { vendor: key.vendor, model: key.model, version: key.version },
  );
}

function keyOf(key: FirmwareKey): string {
  return `${key.vendor}/${key.model}/${key.version}`;
}

function toImage(row: FirmwareRow): FirmwareImage {
  return {
    vendor: row.vendor,
    model: row.model,
    version: row.version,
    fileName: row.file_name,
    size: row.size,
    sha256: row.sha256,
    contentType: row.content_type,
    createdAt: row.created_at,
  };
}
