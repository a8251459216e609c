/**
 * Reads a whole store as archive records (archive.ts), one snapshot, page by page: what a
 * backup or an export is made of while phones are served and changes are made meanwhile.
 */
import { PlugndialError } from '../errors.ts';
import type { DeviceCredentials, SecurityEvent } from '../model/credentials.ts';
import type { Device, Profile } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import type { PendingPhone } from '../model/resync.ts';
import type { ProvisioningEvent } from '../model/event.ts';
import type {
  ArchiveCounts,
  ArchiveKind,
  ArchiveSink,
  ChunkedBlob,
  ExportOptions,
} from './archive.ts';
import { fromJson, isoTimestamp } from './sql-shapes.ts';
import type { SqlClient } from './sql.ts';

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
          retransmissions, reason, node FROM events`,
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
  ['node', 'node'],
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
