/**
 * Writes archive records (archive.ts) into an empty store: a restore or an import, all or
 * nothing, each stored file checked against its size and SHA-256 before it is made visible.
 */
import { createHash } from 'node:crypto';

import { PlugndialError } from '../errors.ts';
import type { Device } from '../model/device.ts';
import type { ArchiveCounts, ArchiveRecord } from './archive.ts';
import { insertDevices } from './devices.ts';
import type { SqlClient } from './sql.ts';

/** What a restore found in the store it was to fill. */
const CONFIGURATION = [
  'profiles',
  'devices',
  'files',
  'firmware_images',
  'contact_lists',
  'content_versions',
] as const;

/**
 * Writes records into a store that holds no configuration yet, in the caller's transaction:
 * all of them or, when any is refused, none. Events get new ids in their new store, in the
 * order they came; everything else is as it was.
 */
export async function importRecords(
  tx: SqlClient,
  records: AsyncIterable<ArchiveRecord>,
  now: Date,
): Promise<ArchiveCounts> {
  for (const table of CONFIGURATION) {
    const [row] = await tx.query<{ n: number }>(`SELECT count(*)::float8 AS n FROM ${table}`);
    if ((row?.n ?? 0) > 0) {
      throw new PlugndialError(
        'PND_STORE_NOT_EMPTY',
        `this store already holds ${table.replace('_', ' ')}; a restore or an import fills an empty store only — point it at a new data directory or database`,
      );
    }
  }
  const counts: ArchiveCounts = {};
  const writer = new RecordWriter(tx, now);
  for await (const record of records) {
    await writer.write(record);
    counts[record.kind] = (counts[record.kind] ?? 0) + 1;
  }
  await writer.finish();
  return counts;
}

/** Batches rows per table and keeps the file whose chunks are arriving. */
class RecordWriter {
  readonly #tx: SqlClient;
  readonly #now: Date;
  #devices: Device[] = [];
  #blob:
    | {
        record: Extract<ArchiveRecord, { kind: 'file' | 'firmware' }>;
        version: number;
        seq: number;
        size: number;
        hash: ReturnType<typeof createHash>;
      }
    | undefined;

  constructor(tx: SqlClient, now: Date) {
    this.#tx = tx;
    this.#now = now;
  }

  async write(record: ArchiveRecord): Promise<void> {
    const tx = this.#tx;
    if (record.kind !== 'device') await this.#flushDevices();
    if (record.kind !== 'chunk') await this.#endBlob();
    switch (record.kind) {
      case 'profile': {
        const p = record.profile;
        await tx.query(
          `INSERT INTO profiles (name, description, settings, created_at, updated_at)
           VALUES ($1::text, $2::text, $3::jsonb, $4::timestamptz, $5::timestamptz)`,
          [p.name, p.description ?? null, JSON.stringify(p.settings), p.createdAt, p.updatedAt],
        );
        return;
      }
      case 'device':
        this.#devices.push(record.device);
        if (this.#devices.length >= 500) await this.#flushDevices();
        return;
      case 'credentials': {
        const c = record.credentials;
        await tx.query(
          `INSERT INTO device_credentials (mac, username, password, previous_password,
             previous_until, rotated_at, first_contact_opened_at, first_contact_closed_at)
           VALUES ($1::text, $2::text, $3::text, $4::text, $5::timestamptz, $6::timestamptz,
             $7::timestamptz, $8::timestamptz)`,
          [
            c.mac,
            c.username,
            c.password,
            c.previousPassword ?? null,
            c.previousUntil ?? null,
            c.rotatedAt,
            c.firstContact.openedAt ?? null,
            c.firstContact.closedAt ?? null,
          ],
        );
        return;
      }
      case 'contacts': {
        const { owner, contacts, updatedAt } = record.list;
        await tx.query(
          `INSERT INTO contact_lists (device, profile, contacts, updated_at)
           VALUES ($1::text, $2::text, $3::jsonb, $4::timestamptz)`,
          [
            'device' in owner ? owner.device : null,
            'profile' in owner ? owner.profile : null,
            JSON.stringify(contacts),
            updatedAt,
          ],
        );
        return;
      }
      case 'file':
      case 'firmware': {
        const [row] = await tx.query<{ id: number }>(
          `INSERT INTO file_versions (path, started_at) VALUES ($1::text, $2::timestamptz)
           RETURNING id::float8 AS id`,
          [
            record.kind === 'file'
              ? record.path
              : `firmware:${record.vendor}/${record.model}/${record.version}`,
            this.#now.toISOString(),
          ],
        );
        this.#blob = {
          record,
          version: row!.id,
          seq: 0,
          size: 0,
          hash: createHash('sha256'),
        };
        if (record.chunks === 0) await this.#endBlob();
        return;
      }
      case 'chunk': {
        const blob = this.#blob;
        if (!blob || blob.seq >= blob.record.chunks) throw damaged('a chunk belongs to no file');
        const data = Buffer.from(record.data, 'base64');
        blob.hash.update(data);
        blob.size += data.length;
        await tx.query(
          'INSERT INTO file_chunks (version, seq, data) VALUES ($1::bigint, $2::int, $3::bytea)',
          [blob.version, blob.seq, data],
        );
        blob.seq += 1;
        if (blob.seq === blob.record.chunks) await this.#endBlob();
        return;
      }
      case 'content-version':
        await tx.query(
          `INSERT INTO content_versions (scope, category, sha256, version)
           VALUES ($1::text, $2::text, $3::text, $4::timestamptz)`,
          [record.scope, record.category, record.sha256, record.version],
        );
        return;
      case 'cwmp':
        await tx.query(
          `INSERT INTO cwmp_state (mac, state, updated_at) VALUES ($1::text, $2::jsonb, $3::timestamptz)`,
          [record.mac, JSON.stringify(record.state), record.updatedAt],
        );
        return;
      case 'resync':
        await tx.query(
          `INSERT INTO resync_outcomes (mac, outcome, at) VALUES ($1::text, $2::jsonb, $3::timestamptz)`,
          [record.mac, JSON.stringify(record.outcome), record.outcome.at],
        );
        return;
      case 'pending': {
        const p = record.phone;
        // A phone seen by this store already keeps its own sighting.
        await tx.query(
          `INSERT INTO pending_phones (mac, vendor, model, firmware, address, first_seen, last_seen, sightings)
           VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::timestamptz, $7::timestamptz, $8::int)
           ON CONFLICT (mac) DO NOTHING`,
          [
            p.mac,
            p.vendor ?? null,
            p.model ?? null,
            p.firmware ?? null,
            p.address,
            p.firstSeen,
            p.lastSeen,
            p.sightings,
          ],
        );
        return;
      }
      case 'event': {
        const e = record.event;
        await tx.query(
          `INSERT INTO events (at, mac, driver, file, transport, address, status, bytes,
             duration_ms, user_agent, retransmissions, reason, node)
           VALUES ($1::timestamptz, $2::text, $3::text, $4::text, $5::text, $6::text, $7::int,
             $8::bigint, $9::float8, $10::text, $11::int, $12::text, $13::text)`,
          [
            e.at,
            e.mac ?? null,
            e.driver ?? null,
            e.file,
            e.transport,
            e.address,
            e.status,
            e.bytes,
            e.durationMs,
            e.userAgent ?? null,
            e.retransmissions ?? null,
            e.reason ?? null,
            e.node ?? null,
          ],
        );
        return;
      }
      case 'security-event': {
        const e = record.event;
        await tx.query(
          `INSERT INTO security_events (at, kind, address, mac, detail)
           VALUES ($1::timestamptz, $2::text, $3::text, $4::text, $5::text)`,
          [e.at, e.kind, e.address ?? null, e.mac ?? null, e.detail ?? null],
        );
        return;
      }
      default:
        throw damaged(`an unknown record "${String((record as { kind: unknown }).kind)}"`);
    }
  }

  async finish(): Promise<void> {
    await this.#flushDevices();
    if (this.#blob) {
      const { record, seq } = this.#blob;
      throw damaged(
        `${describeBlob(record)} ends after ${seq} of its ${record.chunks} chunks: the archive was cut short`,
      );
    }
  }

  async #flushDevices(): Promise<void> {
    if (this.#devices.length === 0) return;
    const batch = this.#devices;
    this.#devices = [];
    await insertDevices(this.#tx, batch);
  }

  /** The file whose chunks have all arrived: checked, then made visible. */
  async #endBlob(): Promise<void> {
    const blob = this.#blob;
    if (!blob || blob.seq < blob.record.chunks) {
      if (blob) {
        throw damaged(
          `${describeBlob(blob.record)} has ${blob.seq} of its ${blob.record.chunks} chunks`,
        );
      }
      return;
    }
    this.#blob = undefined;
    const { record, version } = blob;
    const sha256 = blob.hash.digest('hex');
    if (blob.size !== record.size || sha256 !== record.sha256) {
      throw damaged(`the bytes of ${describeBlob(record)} do not match its size and SHA-256`);
    }
    if (record.kind === 'file') {
      await this.#tx.query(
        `INSERT INTO files (path, version, size, sha256, content_type, chunk_size, updated_at)
         VALUES ($1::text, $2::bigint, $3::bigint, $4::text, $5::text, $6::int, $7::timestamptz)`,
        [
          record.path,
          version,
          record.size,
          record.sha256,
          record.contentType,
          record.chunkSize,
          record.updatedAt,
        ],
      );
      return;
    }
    await this.#tx.query(
      `INSERT INTO firmware_images (vendor, model, version, file_name, blob, size, sha256,
         content_type, chunk_size, created_at)
       VALUES ($1::text, $2::text, $3::text, $4::text, $5::bigint, $6::bigint, $7::text,
         $8::text, $9::int, $10::timestamptz)`,
      [
        record.vendor,
        record.model,
        record.version,
        record.fileName,
        version,
        record.size,
        record.sha256,
        record.contentType,
        record.chunkSize,
        record.createdAt,
      ],
    );
  }
}

function describeBlob(record: Extract<ArchiveRecord, { kind: 'file' | 'firmware' }>): string {
  return record.kind === 'file'
    ? `file ${record.path}`
    : `firmware ${record.vendor} ${record.model} ${record.version}`;
}

function damaged(what: string): PlugndialError {
  return new PlugndialError(
    'PND_ARCHIVE_INVALID',
    `the archive is damaged: ${what}; nothing was stored — use another copy of it`,
  );
}
