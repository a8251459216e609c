/**
 * A whole store as a sequence of records, and back: what backups, restores and moves between
 * the engines are made of. Records are the model's own shapes (a Device, a Profile, …) plus
 * the facts phones keep (content versions, credentials, TR-069 state), so a store restored
 * from them renders every phone's files byte for byte as the one they came from.
 */
import { createHash } from 'node:crypto';

import { PlugndialError } from '../errors.ts';
import type { ContactList } from '../model/contact.ts';
import type { DeviceCredentials, SecurityEvent } from '../model/credentials.ts';
import type { CwmpState } from '../model/cwmp.ts';
import type { Device, Profile } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import type { PendingPhone, ResyncOutcome } from '../model/resync.ts';
import type { ProvisioningEvent } from '../model/event.ts';
import { insertDevices } from './devices.ts';
import { fromJson, isoTimestamp } from './sql-shapes.ts';
import type { SqlClient } from './sql.ts';

/** Bytes of one chunk record; a stored file's own chunks are cut to this size or less. */
export interface ChunkedBlob {
  size: number;
  sha256: string;
  chunkSize: number;
  /** How many `chunk` records follow this one. */
  chunks: number;
}

export type ArchiveRecord =
  | { kind: 'profile'; profile: Profile }
  | { kind: 'device'; device: Device }
  | { kind: 'credentials'; credentials: DeviceCredentials }
  | { kind: 'contacts'; list: ContactList }
  | ({ kind: 'file'; path: string; contentType: string; updatedAt: string } & ChunkedBlob)
  | ({
      kind: 'firmware';
      vendor: string;
      model: string;
      version: string;
      fileName: string;
      contentType: string;
      createdAt: string;
    } & ChunkedBlob)
  | { kind: 'chunk'; data: string }
  | { kind: 'content-version'; scope: string; category: string; sha256: string; version: string }
  | { kind: 'cwmp'; mac: Mac; state: CwmpState; updatedAt: string }
  | { kind: 'resync'; mac: Mac; outcome: ResyncOutcome }
  | { kind: 'pending'; phone: PendingPhone }
  | { kind: 'event'; event: ProvisioningEvent }
  | { kind: 'security-event'; event: SecurityEvent };

export type ArchiveKind = ArchiveRecord['kind'];

/** Records of each kind, as an export counts them before it writes them. */
export type ArchiveCounts = Partial<Record<ArchiveKind, number>>;

export interface ArchiveSink {
  /** Called once, before the first record, with what will follow. */
  begin(counts: ArchiveCounts): Promise<void> | void;
  record(record: ArchiveRecord): Promise<void> | void;
}

export interface ExportOptions {
  /** Provisioning and security events too; configuration and phones' facts always. */
  events: boolean;
}

/** Rows read per query while exporting: memory stays flat at 100,000 devices. */
const PAGE = 1000;

/** The tables an export reads, in the order an import must write them (references first). */
const TABLES: readonly { kind: ArchiveKind; table: string; events?: true }[] = [
  { kind: 'profile', table: 'profiles' },
  { kind: 'device', table: 'devices' },
  { kind: 'credentials', table: 'device_credentials' },
  { kind: 'contacts', table: 'contact_lists' },
  { kind: 'file', table: 'files' },
  { kind: 'firmware', table: 'firmware_images' },
  { kind: 'content-version', table: 'content_versions' },
  { kind: 'cwmp', table: 'cwmp_state' },
  { kind: 'resync', table: 'resync_outcomes' },
  { kind: 'pending', table: 'pending_phones' },
  { kind: 'event', table: 'events', events: true },
  { kind: 'security-event', table: 'security_events', events: true },
];

/**
 * Hands every record of the store to `sink`, all read in one snapshot: the records are one
 * moment of the store, and phones are served and changes made meanwhile.
 */
export async function exportRecords(
  client: SqlClient,
  sink: ArchiveSink,
  options: ExportOptions,
): Promise<ArchiveCounts> {
  return client.snapshot(async (view) => {
    const counts: ArchiveCounts = {};
    for (const { kind, table, events } of TABLES) {
      if (events && !options.events) continue;
      const [row] = await view.query<{ n: number }>(`SELECT count(*)::float8 AS n FROM ${table}`);
      counts[kind] = row?.n ?? 0;
    }
    await sink.begin(counts);
    const dialect = view.dialect;
    const ts = (column: string): string => isoTimestamp(column, dialect);

    await pages(
      view,
      `SELECT name, description, settings, ${ts('created_at')} AS created_at,
        ${ts('updated_at')} AS updated_at FROM profiles`,
      ['name'],
      async (row) => {
        const profile: Profile = {
          name: row.name as string,
          settings: json(row.settings),
          createdAt: row.created_at as string,
          updatedAt: row.updated_at as string,
        };
        if (row.description !== null) profile.description = row.description as string;
        await sink.record({ kind: 'profile', profile });
      },
    );

    await pages(
      view,
      `SELECT mac, vendor, model, profiles, settings, reported, last_contact,
        ${ts('created_at')} AS created_at, ${ts('updated_at')} AS updated_at FROM devices`,
      ['mac'],
      async (row) => {
        const device: Device = {
          mac: row.mac as Mac,
          vendor: row.vendor as string,
          profiles: json(row.profiles),
          settings: json(row.settings),
          createdAt: row.created_at as string,
          updatedAt: row.updated_at as string,
        };
        if (row.model !== null) device.model = row.model as string;
        if (row.reported !== null) device.reported = json(row.reported);
        if (row.last_contact !== null) device.lastContact = json(row.last_contact);
        await sink.record({ kind: 'device', device });
      },
    );

    await pages(
      view,
      `SELECT mac, username, password, previous_password,
        ${ts('previous_until')} AS previous_until, ${ts('rotated_at')} AS rotated_at,
        ${ts('first_contact_opened_at')} AS opened_at, ${ts('first_contact_closed_at')} AS closed_at
        FROM device_credentials`,
      ['mac'],
      async (row) => {
        const credentials: DeviceCredentials = {
          mac: row.mac as Mac,
          username: row.username as string,
          password: row.password as string,
          rotatedAt: row.rotated_at as string,
          firstContact: {},
        };
        if (row.previous_password !== null) {
          credentials.previousPassword = row.previous_password as string;
          credentials.previousUntil = row.previous_until as string;
        }
        if (row.opened_at !== null) credentials.firstContact.openedAt = row.opened_at as string;
        if (row.closed_at !== null) credentials.firstContact.closedAt = row.closed_at as string;
        await sink.record({ kind: 'credentials', credentials });
      },
    );

    const contactList = async (row: Row): Promise<void> => {
      await sink.record({
        kind: 'contacts',
        list: {
          owner:
            row.device !== null
              ? { device: row.device as string }
              : { profile: row.profile as string },
          contacts: json(row.contacts),
          updatedAt: row.updated_at as string,
        },
      });
    };
    const lists = `SELECT device, profile, contacts, ${ts('updated_at')} AS updated_at
      FROM contact_lists`;
    await pages(view, `${lists} WHERE profile IS NOT NULL`, ['profile'], contactList);
    await pages(view, `${lists} WHERE device IS NOT NULL`, ['device'], contactList);

    await pages(
      view,
      `SELECT path, version::float8 AS version, size::float8 AS size, sha256,
        content_type, chunk_size, ${ts('updated_at')} AS updated_at FROM files`,
      ['path'],
      async (row) => {
        const blob = blobOf(row);
        await sink.record({
          kind: 'file',
          path: row.path as string,
          contentType: row.content_type as string,
          updatedAt: row.updated_at as string,
          ...blob,
        });
        await chunks(view, row.version as number, blob, sink);
      },
    );

    await pages(
      view,
      `SELECT lower(model) AS model_key, vendor, model, version, file_name, blob::float8 AS version_id, size::float8 AS size,
        sha256, content_type, chunk_size, ${ts('created_at')} AS created_at FROM firmware_images`,
      ['vendor', 'model_key', 'version'],
      async (row) => {
        const blob = blobOf(row);
        await sink.record({
          kind: 'firmware',
          vendor: row.vendor as string,
          model: row.model as string,
          version: row.version as string,
          fileName: row.file_name as string,
          contentType: row.content_type as string,
          createdAt: row.created_at as string,
          ...blob,
        });
        await chunks(view, row.version_id as number, blob, sink);
      },
    );

    await pages(
      view,
      `SELECT scope, category, sha256, ${ts('version')} AS version FROM content_versions`,
      ['scope', 'category', 'sha256'],
      async (row) => {
        await sink.record({
          kind: 'content-version',
          scope: row.scope as string,
          category: row.category as string,
          sha256: row.sha256 as string,
          version: row.version as string,
        });
      },
    );

    await pages(
      view,
      `SELECT mac, state, ${ts('updated_at')} AS updated_at FROM cwmp_state`,
      ['mac'],
      async (row) => {
        await sink.record({
          kind: 'cwmp',
          mac: row.mac as Mac,
          state: json(row.state),
          updatedAt: row.updated_at as string,
        });
      },
    );

    await pages(view, `SELECT mac, outcome FROM resync_outcomes`, ['mac'], async (row) => {
      await sink.record({
        kind: 'resync',
        mac: row.mac as Mac,
        outcome: json(row.outcome),
      });
    });

    await pages(
      view,
      `SELECT mac, vendor, model, firmware, address,
        ${ts('first_seen')} AS first_seen, ${ts('last_seen')} AS last_seen, sightings
        FROM pending_phones`,
      ['mac'],
      async (row) => {
        const phone: PendingPhone = {
          mac: row.mac as Mac,
          address: row.address as string,
          firstSeen: row.first_seen as string,
          lastSeen: row.last_seen as string,
          sightings: row.sightings as number,
        };
        if (row.vendor !== null) phone.vendor = row.vendor as string;
        if (row.model !== null) phone.model = row.model as string;
        if (row.firmware !== null) phone.firmware = row.firmware as string;
        await sink.record({ kind: 'pending', phone });
      },
    );

    if (options.events) {
      await pages(
        view,
        `SELECT id::float8 AS id, ${ts('at')} AS at, mac, driver, file,
          transport, address, status, bytes::float8 AS bytes, duration_ms, user_agent,
          retransmissions, reason FROM events`,
        ['id'],
        async (row) => {
          const event: ProvisioningEvent = {
            at: row.at as string,
            file: row.file as string,
            transport: row.transport as ProvisioningEvent['transport'],
            address: row.address as string,
            status: row.status as number,
            bytes: row.bytes as number,
            durationMs: row.duration_ms as number,
          };
          for (const [column, field] of EVENT_OPTIONAL) {
            if (row[column] !== null)
              (event as unknown as Record<string, unknown>)[field] = row[column];
          }
          await sink.record({ kind: 'event', event });
        },
      );
      await pages(
        view,
        `SELECT id::float8 AS id, ${ts('at')} AS at, kind, address, mac, detail
          FROM security_events`,
        ['id'],
        async (row) => {
          const event: SecurityEvent = {
            at: row.at as string,
            kind: row.kind as SecurityEvent['kind'],
          };
          if (row.address !== null) event.address = row.address as string;
          if (row.mac !== null) event.mac = row.mac as string;
          if (row.detail !== null) event.detail = row.detail as string;
          await sink.record({ kind: 'security-event', event });
        },
      );
    }
    return counts;
  });
}

const EVENT_OPTIONAL: readonly [string, keyof ProvisioningEvent][] = [
  ['mac', 'mac'],
  ['driver', 'driver'],
  ['user_agent', 'userAgent'],
  ['retransmissions', 'retransmissions'],
  ['reason', 'reason'],
];

type Row = Record<string, unknown>;

/** A JSON column of a row, whichever engine read it. */
function json<T>(value: unknown): T {
  return fromJson(value as T | string);
}

/**
 * Every row of `select` in pages ordered by the columns `keys` (keyset: each page is one
 * range of the table's primary key or unique index, so no page costs more than the last).
 */
async function pages(
  view: SqlClient,
  select: string,
  keys: readonly string[],
  each: (row: Row) => Promise<void>,
): Promise<void> {
  let after: unknown[] | undefined;
  const order = keys.join(', ');
  const placeholders = keys.map((_, k) => `$${k + 1}`).join(', ');
  for (;;) {
    const rows = await view.query<Row>(
      `SELECT * FROM (${select}) AS source
       ${after === undefined ? '' : `WHERE (${order}) > (${placeholders})`}
       ORDER BY ${order} LIMIT ${PAGE}`,
      after ?? [],
    );
    for (const row of rows) await each(row);
    if (rows.length < PAGE) return;
    const last = rows[rows.length - 1]!;
    after = keys.map((key) => last[key]);
  }
}

function blobOf(row: Row): ChunkedBlob {
  const size = row.size as number;
  const chunkSize = row.chunk_size as number;
  return { size, sha256: row.sha256 as string, chunkSize, chunks: Math.ceil(size / chunkSize) };
}

/** A stored version's chunks, one record each, fetched one at a time. */
async function chunks(
  view: SqlClient,
  version: number,
  blob: ChunkedBlob,
  sink: ArchiveSink,
): Promise<void> {
  for (let seq = 0; seq < blob.chunks; seq += 1) {
    const [row] = await view.query<{ data: Uint8Array }>(
      'SELECT data FROM file_chunks WHERE version = $1::bigint AND seq = $2::int',
      [version, seq],
    );
    if (!row) {
      throw new PlugndialError(
        'PND_DATABASE',
        `database error: chunk ${seq} of a stored file is missing; the store is damaged`,
      );
    }
    const data = Buffer.from(row.data.buffer, row.data.byteOffset, row.data.byteLength);
    await sink.record({ kind: 'chunk', data: data.toString('base64') });
  }
}

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
             duration_ms, user_agent, retransmissions, reason)
           VALUES ($1::timestamptz, $2::text, $3::text, $4::text, $5::text, $6::text, $7::int,
             $8::bigint, $9::float8, $10::text, $11::int, $12::text)`,
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

export function damaged(what: string): PlugndialError {
  return new PlugndialError(
    'PND_ARCHIVE_INVALID',
    `the archive is damaged: ${what}; nothing was stored — use another copy of it`,
  );
}
