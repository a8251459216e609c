import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';

import { PlugndialError } from '../errors.ts';
import type { Device, LastContact, Profile } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import type { Settings } from '../model/settings.ts';
import type { EventQuery, ProvisioningEvent } from '../provisioning/event.ts';
import {
  CHANGE_CHANNEL,
  encodeNotice,
  listenForChanges,
  type ChangeFeed,
  type ChangeNotice,
} from './change-feed.ts';
import { discardFileVersion, readFileVersion, writeFileVersion } from './file-blobs.ts';
import { migrate } from './migrations.ts';
import { sqlStateOf, type SqlClient } from './sql.ts';
import type {
  ContactUpdate,
  DeviceFilter,
  Store,
  StoreChange,
  StoredFile,
  StoredFileHandle,
} from './store.ts';

export interface SqlStoreOptions {
  backend: 'embedded' | 'postgres';
  client: SqlClient;
  /** PostgreSQL: the URL of the dedicated LISTEN connection that hears other nodes' changes. */
  databaseUrl?: string;
  /** The clock that stamps updates; injected so tests are deterministic. */
  now?: () => Date;
  /** Runs after the database is closed, e.g. to release the data directory lock. */
  onClose?: () => Promise<void> | void;
}

export const DEFAULT_EVENT_LIMIT = 100;
export const MAX_EVENT_LIMIT = 10_000;

// Uploads older than this with no file pointing at them were abandoned by a crashed node.
const ABANDONED_UPLOAD = "interval '1 day'";

function iso(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

const DEVICE_COLUMNS = `mac, vendor, model, profiles, settings, reported, last_contact,
  ${iso('created_at')} AS created_at, ${iso('updated_at')} AS updated_at`;
const PROFILE_COLUMNS = `name, description, settings, ${iso('created_at')} AS created_at, ${iso('updated_at')} AS updated_at`;
const FILE_COLUMNS = `path, version::float8 AS version, size::float8 AS size, sha256, content_type, chunk_size,
  ${iso('updated_at')} AS updated_at`;
const EVENT_COLUMNS = `id::float8 AS id, ${iso('at')} AS at, mac, driver, file, transport, address, status,
  bytes::float8 AS bytes, duration_ms, user_agent, retransmissions, reason`;

interface DeviceRow {
  mac: string;
  vendor: string;
  model: string | null;
  profiles: string[];
  settings: Settings;
  reported: Device['reported'] | null;
  last_contact: LastContact | null;
  created_at: string;
  updated_at: string;
}

interface ProfileRow {
  name: string;
  description: string | null;
  settings: Settings;
  created_at: string;
  updated_at: string;
}

interface FileRow {
  path: string;
  version: number;
  size: number;
  sha256: string;
  content_type: string;
  chunk_size: number;
  updated_at: string;
}

interface EventRow {
  id: number;
  at: string;
  mac: string | null;
  driver: string | null;
  file: string;
  transport: ProvisioningEvent['transport'];
  address: string;
  status: number;
  bytes: number;
  duration_ms: number;
  user_agent: string | null;
  retransmissions: number | null;
  reason: string | null;
}

/** What a configuration change did inside its transaction: its result and the keys it touched. */
interface Outcome<T> {
  result: T;
  keys: string[];
}

/**
 * The Store on SQL, one query layer for PGlite and PostgreSQL. Configuration changes take the
 * meta row lock first, so they are serialised across nodes and each bumps the generation once.
 */
export class SqlStore implements Store {
  readonly backend: 'embedded' | 'postgres';
  readonly #client: SqlClient;
  readonly #now: () => Date;
  readonly #node = randomUUID();
  readonly #listeners = new Set<(change: StoreChange) => void>();
  readonly #onClose: (() => Promise<void> | void) | undefined;
  #feed: ChangeFeed | undefined;
  #generation = 0;
  #closed = false;

  private constructor(options: SqlStoreOptions) {
    this.backend = options.backend;
    this.#client = options.client;
    this.#now = options.now ?? ((): Date => new Date());
    this.#onClose = options.onClose;
  }

  /** Migrates the schema, starts hearing other nodes (PostgreSQL) and loads the generation. */
  static async open(options: SqlStoreOptions): Promise<SqlStore> {
    const store = new SqlStore(options);
    try {
      await migrate(store.#client, store.backend);
      if (store.backend === 'postgres' && options.databaseUrl) {
        store.#feed = await listenForChanges(options.databaseUrl, {
          notice: (notice) => store.#heard(notice),
          reconnected: () => void store.#catchUp(),
        });
      }
      store.#generation = await store.#loadGeneration();
      await store.#removeAbandonedUploads();
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  generation(): number {
    return this.#generation;
  }

  onChange(listener: (change: StoreChange) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    try {
      await this.#feed?.close();
      await this.#client.close();
    } finally {
      await this.#onClose?.();
    }
  }

  // ---- devices

  async getDevice(mac: Mac): Promise<Device | undefined> {
    const [row] = await this.#client.query<DeviceRow>(
      `SELECT ${DEVICE_COLUMNS} FROM devices WHERE mac = $1::text`,
      [mac],
    );
    return row ? toDevice(row) : undefined;
  }

  async listDevices(filter: DeviceFilter = {}): Promise<Device[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.vendor !== undefined) {
      params.push(filter.vendor);
      where.push(`vendor = $${params.length}::text`);
    }
    if (filter.profile !== undefined) {
      params.push(filter.profile);
      where.push(`profiles @> jsonb_build_array($${params.length}::text)`);
    }
    let sql = `SELECT ${DEVICE_COLUMNS} FROM devices${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY mac`;
    if (filter.limit !== undefined) {
      params.push(count(filter.limit, 'limit'));
      sql += ` LIMIT $${params.length}::int`;
    }
    if (filter.offset !== undefined) {
      params.push(count(filter.offset, 'offset'));
      sql += ` OFFSET $${params.length}::int`;
    }
    return (await this.#client.query<DeviceRow>(sql, params)).map(toDevice);
  }

  async countDevices(): Promise<number> {
    const [row] = await this.#client.query<{ n: number }>('SELECT count(*)::int AS n FROM devices');
    return row?.n ?? 0;
  }

  async insertDevices(devices: readonly Device[]): Promise<void> {
    if (devices.length === 0) return;
    const seen = new Set<string>();
    for (const device of devices) {
      if (seen.has(device.mac)) {
        throw new PlugndialError(
          'PND_DEVICE_EXISTS',
          `device ${device.mac} is listed twice; no device was added`,
          {
            mac: device.mac,
          },
        );
      }
      seen.add(device.mac);
    }
    try {
      await this.#configChange('device', async (tx) => {
        const [existing] = await tx.query<{ mac: string }>(
          `SELECT d.mac FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS i (mac, n)
           JOIN devices d ON d.mac = i.mac ORDER BY i.n LIMIT 1`,
          [JSON.stringify(devices.map((device) => device.mac))],
        );
        if (existing) throw deviceExists(existing.mac, devices.length);
        await tx.query(
          `INSERT INTO devices (mac, vendor, model, profiles, settings, reported, last_contact, created_at, updated_at)
           SELECT d->>'mac', d->>'vendor', d->>'model', d->'profiles', d->'settings',
                  NULLIF(d->'reported', 'null'::jsonb), NULLIF(d->'lastContact', 'null'::jsonb),
                  (d->>'createdAt')::timestamptz, (d->>'updatedAt')::timestamptz
           FROM jsonb_array_elements($1::jsonb) AS d`,
          [JSON.stringify(devices.map(deviceRecord))],
        );
        return { result: undefined, keys: devices.map((device) => device.mac) };
      });
    } catch (error) {
      // Only reachable if something bypassed the meta lock; still an answer the caller understands.
      if (sqlStateOf(error) === '23505') throw deviceExists(undefined, devices.length);
      throw error;
    }
  }

  async updateDevice(mac: Mac, change: (device: Device) => Device): Promise<Device> {
    return this.#configChange('device', async (tx) => {
      const [row] = await tx.query<DeviceRow>(
        `SELECT ${DEVICE_COLUMNS} FROM devices WHERE mac = $1::text FOR UPDATE`,
        [mac],
      );
      if (!row)
        throw new PlugndialError(
          'PND_DEVICE_NOT_FOUND',
          `no device ${mac}; add it before changing it`,
          { mac },
        );
      const current = toDevice(row);
      const next = change(structuredClone(current));
      if (next.mac !== mac) {
        throw new PlugndialError(
          'PND_INVALID_ARGUMENT',
          `a device's MAC cannot change (${mac}); remove it and add the new one`,
        );
      }
      const record = deviceRecord({
        ...next,
        createdAt: current.createdAt,
        updatedAt: this.#now().toISOString(),
      });
      const [updated] = await tx.query<DeviceRow>(
        `UPDATE devices SET vendor = d->>'vendor', model = d->>'model', profiles = d->'profiles', settings = d->'settings',
           reported = NULLIF(d->'reported', 'null'::jsonb), last_contact = NULLIF(d->'lastContact', 'null'::jsonb),
           updated_at = (d->>'updatedAt')::timestamptz
         FROM (SELECT $2::jsonb AS d) AS input
         WHERE mac = $1::text RETURNING ${DEVICE_COLUMNS}`,
        [mac, JSON.stringify(record)],
      );
      if (!updated) throw new PlugndialError('PND_DEVICE_NOT_FOUND', `no device ${mac}`, { mac });
      return { result: toDevice(updated), keys: [mac] };
    });
  }

  async removeDevice(mac: Mac): Promise<boolean> {
    return this.#configChange('device', async (tx) => {
      const rows = await tx.query('DELETE FROM devices WHERE mac = $1::text RETURNING mac', [mac]);
      return { result: rows.length > 0, keys: rows.length > 0 ? [mac] : [] };
    });
  }

  async recordContacts(updates: readonly ContactUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    // The last word per MAC wins; what each one reported accumulates.
    const byMac = new Map<
      string,
      { mac: string; lastContact: LastContact; reported: Device['reported'] | null }
    >();
    for (const update of updates) {
      const earlier = byMac.get(update.mac);
      const reported = update.reported
        ? { ...earlier?.reported, ...update.reported }
        : (earlier?.reported ?? null);
      byMac.set(update.mac, { mac: update.mac, lastContact: update.lastContact, reported });
    }
    const batch = JSON.stringify([...byMac.values()].sort((a, b) => (a.mac < b.mac ? -1 : 1)));
    await this.#client.transaction(async (tx) => {
      // Locking in MAC order keeps two concurrent batches from deadlocking each other.
      await tx.query(
        `SELECT d.mac FROM devices d JOIN jsonb_array_elements($1::jsonb) AS u ON d.mac = u->>'mac'
         ORDER BY d.mac FOR UPDATE OF d`,
        [batch],
      );
      await tx.query(
        `UPDATE devices d SET last_contact = u->'lastContact',
           reported = CASE WHEN jsonb_typeof(u->'reported') = 'object'
                           THEN COALESCE(d.reported, '{}'::jsonb) || (u->'reported') ELSE d.reported END
         FROM jsonb_array_elements($1::jsonb) AS u WHERE d.mac = u->>'mac'`,
        [batch],
      );
    });
  }

  // ---- profiles

  async getProfile(name: string): Promise<Profile | undefined> {
    const [row] = await this.#client.query<ProfileRow>(
      `SELECT ${PROFILE_COLUMNS} FROM profiles WHERE name = $1::text`,
      [name],
    );
    return row ? toProfile(row) : undefined;
  }

  async listProfiles(): Promise<Profile[]> {
    return (
      await this.#client.query<ProfileRow>(`SELECT ${PROFILE_COLUMNS} FROM profiles ORDER BY name`)
    ).map(toProfile);
  }

  async insertProfile(profile: Profile): Promise<void> {
    await this.#configChange('profile', async (tx) => {
      const rows = await tx.query(
        `INSERT INTO profiles (name, description, settings, created_at, updated_at)
         SELECT p->>'name', p->>'description', p->'settings', (p->>'createdAt')::timestamptz, (p->>'updatedAt')::timestamptz
         FROM (SELECT $1::jsonb AS p) AS input
         ON CONFLICT (name) DO NOTHING RETURNING name`,
        [JSON.stringify(profileRecord(profile))],
      );
      if (rows.length === 0) {
        throw new PlugndialError(
          'PND_PROFILE_EXISTS',
          `profile "${profile.name}" already exists; change it instead`,
          {
            profile: profile.name,
          },
        );
      }
      return { result: undefined, keys: [profile.name] };
    });
  }

  async updateProfile(name: string, change: (profile: Profile) => Profile): Promise<Profile> {
    return this.#configChange('profile', async (tx) => {
      const [row] = await tx.query<ProfileRow>(
        `SELECT ${PROFILE_COLUMNS} FROM profiles WHERE name = $1::text FOR UPDATE`,
        [name],
      );
      if (!row) throw profileNotFound(name);
      const current = toProfile(row);
      const next = change(structuredClone(current));
      if (next.name !== name) {
        throw new PlugndialError(
          'PND_INVALID_ARGUMENT',
          `a profile's name cannot change ("${name}"); add a new profile instead`,
        );
      }
      const record = profileRecord({
        ...next,
        createdAt: current.createdAt,
        updatedAt: this.#now().toISOString(),
      });
      const [updated] = await tx.query<ProfileRow>(
        `UPDATE profiles SET description = p->>'description', settings = p->'settings',
           updated_at = (p->>'updatedAt')::timestamptz
         FROM (SELECT $2::jsonb AS p) AS input
         WHERE name = $1::text RETURNING ${PROFILE_COLUMNS}`,
        [name, JSON.stringify(record)],
      );
      if (!updated) throw profileNotFound(name);
      return { result: toProfile(updated), keys: [name] };
    });
  }

  async removeProfile(name: string): Promise<boolean> {
    return this.#configChange('profile', async (tx) => {
      const [row] = await tx.query('SELECT name FROM profiles WHERE name = $1::text FOR UPDATE', [
        name,
      ]);
      if (!row) return { result: false, keys: [] };
      const [usage] = await tx.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM devices WHERE profiles @> jsonb_build_array($1::text)',
        [name],
      );
      const users = usage?.n ?? 0;
      if (users > 0) {
        throw new PlugndialError(
          'PND_PROFILE_IN_USE',
          `profile "${name}" is used by ${users} device${users === 1 ? '' : 's'}; remove it from them first`,
          { profile: name, devices: users },
        );
      }
      await tx.query('DELETE FROM profiles WHERE name = $1::text', [name]);
      return { result: true, keys: [name] };
    });
  }

  // ---- files

  async putFile(path: string, source: Readable, contentType: string): Promise<StoredFile> {
    const written = await writeFileVersion(this.#client, path, source);
    try {
      return await this.#configChange('file', async (tx) => {
        const [previous] = await tx.query<{ version: number }>(
          'SELECT version::float8 AS version FROM files WHERE path = $1::text FOR UPDATE',
          [path],
        );
        const [row] = await tx.query<FileRow>(
          `INSERT INTO files (path, version, size, sha256, content_type, chunk_size, updated_at)
           VALUES ($1::text, $2::bigint, $3::bigint, $4::text, $5::text, $6::int, $7::timestamptz)
           ON CONFLICT (path) DO UPDATE SET version = EXCLUDED.version, size = EXCLUDED.size, sha256 = EXCLUDED.sha256,
             content_type = EXCLUDED.content_type, chunk_size = EXCLUDED.chunk_size, updated_at = EXCLUDED.updated_at
           RETURNING ${FILE_COLUMNS}`,
          [
            path,
            written.version,
            written.size,
            written.sha256,
            contentType,
            written.chunkSize,
            this.#now().toISOString(),
          ],
        );
        if (previous)
          await tx.query('DELETE FROM file_versions WHERE id = $1::bigint', [previous.version]);
        if (!row)
          throw new PlugndialError('PND_DATABASE', `database error: file ${path} was not stored`);
        return { result: toStoredFile(row), keys: [path] };
      });
    } catch (error) {
      await discardFileVersion(this.#client, written.version);
      throw error;
    }
  }

  async openFile(path: string): Promise<StoredFileHandle | undefined> {
    const [row] = await this.#client.query<FileRow>(
      `SELECT ${FILE_COLUMNS} FROM files WHERE path = $1::text`,
      [path],
    );
    if (!row) return undefined;
    const client = this.#client;
    const file = { version: row.version, size: row.size, chunkSize: row.chunk_size };
    return {
      ...toStoredFile(row),
      stream: (range) => readFileVersion(client, file, range),
    };
  }

  async listFiles(): Promise<StoredFile[]> {
    return (
      await this.#client.query<FileRow>(`SELECT ${FILE_COLUMNS} FROM files ORDER BY path`)
    ).map(toStoredFile);
  }

  async removeFile(path: string): Promise<boolean> {
    return this.#configChange('file', async (tx) => {
      const [row] = await tx.query<{ version: number }>(
        'DELETE FROM files WHERE path = $1::text RETURNING version::float8 AS version',
        [path],
      );
      if (!row) return { result: false, keys: [] };
      await tx.query('DELETE FROM file_versions WHERE id = $1::bigint', [row.version]);
      return { result: true, keys: [path] };
    });
  }

  // ---- events

  async appendEvents(events: readonly ProvisioningEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.#client.query(
      `INSERT INTO events (at, mac, driver, file, transport, address, status, bytes, duration_ms, user_agent,
         retransmissions, reason)
       SELECT at, mac, driver, file, transport, address, status, bytes, duration_ms, user_agent, retransmissions, reason
       FROM jsonb_to_recordset($1::jsonb) AS e (at timestamptz, mac text, driver text, file text, transport text,
         address text, status int, bytes bigint, duration_ms double precision, user_agent text, retransmissions int,
         reason text)`,
      [JSON.stringify(events.map(eventRecord))],
    );
  }

  /** Newest first; `since` is inclusive and `until` exclusive. */
  async queryEvents(query: EventQuery): Promise<ProvisioningEvent[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.mac !== undefined) {
      params.push(query.mac);
      where.push(`mac = $${params.length}::text`);
    }
    if (query.since !== undefined) {
      params.push(query.since);
      where.push(`at >= $${params.length}::timestamptz`);
    }
    if (query.until !== undefined) {
      params.push(query.until);
      where.push(`at < $${params.length}::timestamptz`);
    }
    params.push(Math.min(count(query.limit ?? DEFAULT_EVENT_LIMIT, 'limit'), MAX_EVENT_LIMIT));
    const rows = await this.#client.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
       ORDER BY at DESC, id DESC LIMIT $${params.length}::int`,
      params,
    );
    return rows.map(toEvent);
  }

  async pruneEvents(before: Date, keep: number): Promise<number> {
    const beyond = Number.isFinite(keep) ? count(keep, 'keep') : null;
    const [row] = await this.#client.query<{ n: number }>(
      `WITH pruned AS (
         DELETE FROM events WHERE at < $1::timestamptz
           OR ($2::int IS NOT NULL AND id IN (SELECT id FROM events ORDER BY at DESC, id DESC OFFSET $2::int))
         RETURNING 1)
       SELECT count(*)::int AS n FROM pruned`,
      [before.toISOString(), beyond],
    );
    return row?.n ?? 0;
  }

  // ---- generation and change feed

  /**
   * Runs one configuration change in one transaction behind the meta row lock. When it
   * touched something, the generation grows by one, other nodes are told (PostgreSQL),
   * and after commit this node's listeners hear of each key.
   */
  async #configChange<T>(
    entity: StoreChange['entity'],
    fn: (tx: SqlClient) => Promise<Outcome<T>>,
  ): Promise<T> {
    const committed = await this.#client.transaction(async (tx) => {
      await tx.query('SELECT generation FROM meta WHERE id = 1 FOR UPDATE');
      const outcome = await fn(tx);
      if (outcome.keys.length === 0) return { ...outcome, generation: undefined };
      const [row] = await tx.query<{ generation: number }>(
        'UPDATE meta SET generation = generation + 1 WHERE id = 1 RETURNING generation::float8 AS generation',
      );
      const generation = row?.generation ?? 0;
      if (this.backend === 'postgres') {
        const notice: ChangeNotice = { node: this.#node, generation, entity, keys: outcome.keys };
        await tx.query('SELECT pg_notify($1::text, $2::text)', [
          CHANGE_CHANNEL,
          encodeNotice(notice),
        ]);
      }
      return { ...outcome, generation };
    });
    if (committed.generation !== undefined) {
      this.#advance(
        committed.keys.map((key) => ({ entity, key, generation: committed.generation as number })),
      );
    }
    return committed.result;
  }

  #heard(notice: ChangeNotice): void {
    if (notice.node === this.#node || this.#closed) return;
    this.#advance(
      notice.keys.map((key) => ({ entity: notice.entity, key, generation: notice.generation })),
    );
  }

  /** After a lost LISTEN connection: changes may have been missed, so announce "everything" if any were. */
  async #catchUp(): Promise<void> {
    try {
      const generation = await this.#loadGeneration();
      if (generation <= this.#generation || this.#closed) return;
      const entities: StoreChange['entity'][] = ['device', 'profile', 'file'];
      this.#advance(entities.map((entity) => ({ entity, key: '*', generation })));
    } catch {
      // The database is away again; the next reconnection catches up.
    }
  }

  #advance(changes: readonly StoreChange[]): void {
    for (const change of changes) {
      if (change.generation > this.#generation) this.#generation = change.generation;
      for (const listener of this.#listeners) {
        try {
          listener(change);
        } catch {
          // The change is committed; one failing listener must not keep the others from hearing of it.
        }
      }
    }
  }

  async #loadGeneration(): Promise<number> {
    const [row] = await this.#client.query<{ generation: number }>(
      'SELECT generation::float8 AS generation FROM meta WHERE id = 1',
    );
    return row?.generation ?? 0;
  }

  async #removeAbandonedUploads(): Promise<void> {
    // Embedded: this process is the only writer, so any unreferenced version is a dead upload.
    const age = this.backend === 'embedded' ? '' : `AND v.started_at < now() - ${ABANDONED_UPLOAD}`;
    await this.#client.query(
      `DELETE FROM file_versions v WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.version = v.id) ${age}`,
    );
  }
}

function count(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new PlugndialError(
      'PND_INVALID_ARGUMENT',
      `${name} must be a whole number of 0 or more, not ${value}`,
    );
  }
  return value;
}

function deviceExists(mac: string | undefined, total: number): PlugndialError {
  const what = mac ? `device ${mac} already exists` : 'a device in the batch already exists';
  return new PlugndialError(
    'PND_DEVICE_EXISTS',
    `${what}; none of the ${total} devices were added`,
    mac ? { mac } : undefined,
  );
}

function profileNotFound(name: string): PlugndialError {
  return new PlugndialError(
    'PND_PROFILE_NOT_FOUND',
    `no profile "${name}"; add it before changing it`,
    { profile: name },
  );
}

function deviceRecord(device: Device): Record<string, unknown> {
  return {
    mac: device.mac,
    vendor: device.vendor,
    model: device.model ?? null,
    profiles: device.profiles,
    settings: device.settings,
    reported: device.reported ?? null,
    lastContact: device.lastContact ?? null,
    createdAt: device.createdAt,
    updatedAt: device.updatedAt,
  };
}

function toDevice(row: DeviceRow): Device {
  const device: Device = {
    mac: row.mac as Mac,
    vendor: row.vendor,
    profiles: row.profiles,
    settings: row.settings,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.model !== null) device.model = row.model;
  if (row.reported !== null) device.reported = row.reported;
  if (row.last_contact !== null) device.lastContact = row.last_contact;
  return device;
}

function profileRecord(profile: Profile): Record<string, unknown> {
  return {
    name: profile.name,
    description: profile.description ?? null,
    settings: profile.settings,
    createdAt: profile.createdAt,
    updatedAt: profile.updatedAt,
  };
}

function toProfile(row: ProfileRow): Profile {
  const profile: Profile = {
    name: row.name,
    settings: row.settings,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.description !== null) profile.description = row.description;
  return profile;
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

function eventRecord(event: ProvisioningEvent): Record<string, unknown> {
  return {
    at: event.at,
    mac: event.mac ?? null,
    driver: event.driver ?? null,
    file: event.file,
    transport: event.transport,
    address: event.address,
    status: event.status,
    bytes: event.bytes,
    duration_ms: event.durationMs,
    user_agent: event.userAgent ?? null,
    retransmissions: event.retransmissions ?? null,
    reason: event.reason ?? null,
  };
}

function toEvent(row: EventRow): ProvisioningEvent {
  const event: ProvisioningEvent = {
    id: row.id,
    at: row.at,
    file: row.file,
    transport: row.transport,
    address: row.address,
    status: row.status,
    bytes: row.bytes,
    durationMs: row.duration_ms,
  };
  if (row.mac !== null) event.mac = row.mac;
  if (row.driver !== null) event.driver = row.driver;
  if (row.user_agent !== null) event.userAgent = row.user_agent;
  if (row.retransmissions !== null) event.retransmissions = row.retransmissions;
  if (row.reason !== null) event.reason = row.reason;
  return event;
}
