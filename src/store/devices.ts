import { PlugndialError } from '../errors.ts';
import type { Device, LastContact } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import type { Settings } from '../model/settings.ts';
import { SQLITE_CONFIG_NAME } from './migrations-sqlite.ts';
import {
  fromJson,
  isoOf,
  LAZY,
  wholeNumber,
  type ConfigOutcome,
  type DialectText,
} from './sql-shapes.ts';
import type { Dialect, SqlClient } from './sql.ts';
import type { ContactUpdate, DeviceFilter, DeviceImport } from './store.ts';

// Timestamps come as the driver's own value and are formatted here: a phone's first request
// reads its device row, and to_char costs more than the rest of that read.
export const COLUMNS = `mac, vendor, model, profiles, settings, reported, last_contact, created_at, updated_at`;

export interface DeviceRow {
  mac: string;
  vendor: string;
  model: string | null;
  profiles: string[] | string;
  settings: Settings | string;
  reported: Device['reported'] | string | null;
  last_contact: LastContact | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

export async function getDevice(client: SqlClient, mac: Mac): Promise<Device | undefined> {
  const [row] = await client.query<DeviceRow>(
    `SELECT ${COLUMNS} FROM devices WHERE mac = $1::text`,
    [mac],
  );
  return row ? toDevice(row) : undefined;
}

export async function deviceBySerial(
  client: SqlClient,
  serial: string,
): Promise<Device | undefined> {
  const rows = await client.query<DeviceRow>(
    `SELECT ${COLUMNS} FROM devices WHERE reported->>'serial' = $1::text ORDER BY mac LIMIT 2`,
    [serial],
  );
  // Two phones claiming one serial identify neither.
  return rows.length === 1 ? toDevice(rows[0]!) : undefined;
}

export async function listDevices(client: SqlClient, filter: DeviceFilter): Promise<Device[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.vendor !== undefined) {
    params.push(filter.vendor);
    where.push(`vendor = $${params.length}::text`);
  }
  if (filter.profile !== undefined) {
    params.push(filter.profile);
    where.push(listsProfile(client.dialect, `$${params.length}::text`));
  }
  if (filter.after !== undefined) {
    params.push(filter.after);
    where.push(`mac > $${params.length}::text`);
  }
  if (filter.configName !== undefined) {
    // The same expression as the devices_config_name index.
    params.push(filter.configName.toLowerCase());
    where.push(`${CONFIG_NAME[client.dialect]} = $${params.length}::text`);
  }
  let sql = `SELECT ${COLUMNS} FROM devices${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY mac`;
  if (filter.limit !== undefined) {
    params.push(wholeNumber(filter.limit, 'limit'));
    sql += ` LIMIT $${params.length}::bigint`;
  }
  if (filter.offset !== undefined) {
    // SQLite takes an OFFSET only after a LIMIT; -1 is none.
    if (filter.limit === undefined && client.dialect === 'sqlite') sql += ' LIMIT -1';
    params.push(wholeNumber(filter.offset, 'offset'));
    sql += ` OFFSET $${params.length}::bigint`;
  }
  return (await client.query<DeviceRow>(sql, params)).map(toDevice);
}

export async function countDevices(client: SqlClient): Promise<number> {
  const [row] = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM devices');
  return row?.n ?? 0;
}

/** Inserts every device or throws PND_DEVICE_EXISTS naming the first one already there (or listed twice). */
export async function insertDevices(
  tx: SqlClient,
  devices: readonly Device[],
): Promise<ConfigOutcome<void>> {
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
  const [existing] = await tx.query<{ mac: string }>(FIRST_EXISTING[tx.dialect], [
    JSON.stringify(devices.map((device) => device.mac)),
  ]);
  if (existing) {
    throw new PlugndialError(
      'PND_DEVICE_EXISTS',
      `device ${existing.mac} already exists; none of the ${devices.length} devices were added`,
      { mac: existing.mac },
    );
  }
  await profilesExist(tx, devices);
  await tx.query(INSERT[tx.dialect], [JSON.stringify(devices.map(deviceRecord))]);
  return { result: undefined, keys: devices.map((device) => device.mac) };
}

/** Adds the new devices and changes the existing ones (rows locked), all in the caller's transaction. */
export async function importDevices(
  tx: SqlClient,
  batch: readonly DeviceImport[],
  update: boolean,
  now: Date,
): Promise<ConfigOutcome<{ added: Mac[]; updated: Mac[] }>> {
  const macs = batch.map((entry) => entry.device.mac);
  const rows = await tx.query<DeviceRow>(IMPORTED_EXISTING[tx.dialect], [JSON.stringify(macs)]);
  const existing = new Map(rows.map((row) => [row.mac, toDevice(row)]));
  if (!update && existing.size > 0) {
    throw new PlugndialError(
      'PND_DEVICE_EXISTS',
      `${existing.size} of the ${batch.length} devices already exist; none was added`,
      { macs: [...existing.keys()] },
    );
  }
  const added: Device[] = [];
  const changed: Record<string, unknown>[] = [];
  const changedDevices: Device[] = [];
  for (const entry of batch) {
    const current = existing.get(entry.device.mac);
    if (!current) {
      added.push(entry.device);
      continue;
    }
    const next = entry.change(structuredClone(current));
    changedDevices.push(next);
    changed.push(
      deviceRecord({
        ...next,
        mac: current.mac,
        createdAt: current.createdAt,
        updatedAt: now.toISOString(),
      }),
    );
  }
  if (added.length > 0) await insertDevices(tx, added);
  if (changed.length > 0) {
    await profilesExist(tx, changedDevices);
    await tx.query(IMPORTED_CHANGES[tx.dialect], [JSON.stringify(changed)]);
  }
  return {
    result: {
      added: added.map((device) => device.mac),
      updated: [...existing.keys()] as Mac[],
    },
    keys: macs,
  };
}

/** Reads the device under a row lock, applies `change` to a copy and writes the result. */
export async function updateDevice(
  tx: SqlClient,
  mac: Mac,
  change: (device: Device) => Device,
  now: Date,
): Promise<ConfigOutcome<Device>> {
  const [row] = await tx.query<DeviceRow>(
    `SELECT ${COLUMNS} FROM devices WHERE mac = $1::text FOR UPDATE`,
    [mac],
  );
  if (!row) throw deviceNotFound(mac);
  const current = toDevice(row);
  const next = change(structuredClone(current));
  if (next.mac !== mac) {
    throw new PlugndialError(
      'PND_INVALID_ARGUMENT',
      `a device's MAC cannot change (${mac}); remove it and add the new one`,
    );
  }
  if (next.profiles.join('\0') !== current.profiles.join('\0')) await profilesExist(tx, [next]);
  const record = deviceRecord({
    ...next,
    createdAt: current.createdAt,
    updatedAt: now.toISOString(),
  });
  const [updated] = await tx.query<DeviceRow>(
    `UPDATE devices SET vendor = d->>'vendor', model = d->>'model', profiles = d->'profiles', settings = d->'settings',
       reported = NULLIF(d->'reported', 'null'::jsonb), last_contact = NULLIF(d->'lastContact', 'null'::jsonb),
       updated_at = (d->>'updatedAt')::timestamptz
     FROM (SELECT $2::jsonb AS d) AS input
     WHERE mac = $1::text RETURNING ${COLUMNS}`,
    [mac, JSON.stringify(record)],
  );
  if (!updated) throw deviceNotFound(mac);
  return { result: toDevice(updated), keys: [mac] };
}

export async function removeDevice(tx: SqlClient, mac: Mac): Promise<ConfigOutcome<boolean>> {
  const rows = await tx.query('DELETE FROM devices WHERE mac = $1::text RETURNING mac', [mac]);
  return { result: rows.length > 0, keys: rows.length > 0 ? [mac] : [] };
}

const EXISTING_PROFILES: DialectText = {
  postgres: `SELECT name FROM profiles WHERE name IN (SELECT jsonb_array_elements_text($1::jsonb))`,
  sqlite: `SELECT name FROM profiles WHERE name IN (SELECT value FROM json_each($1::jsonb))`,
};

/**
 * Every profile the devices name exists, asked inside the change's transaction: it holds the
 * meta row lock removing a profile takes, so a profile cannot go between this check and the
 * devices' write (the callers' own check, made before, names the row of an import).
 */
async function profilesExist(tx: SqlClient, devices: readonly Device[]): Promise<void> {
  const names = [...new Set(devices.flatMap((device) => device.profiles))];
  if (names.length === 0) return;
  const rows = await tx.query<{ name: string }>(EXISTING_PROFILES[tx.dialect], [
    JSON.stringify(names),
  ]);
  const found = new Set(rows.map((row) => row.name));
  const missing = names.find((name) => !found.has(name));
  if (missing !== undefined) {
    throw new PlugndialError(
      'PND_PROFILE_NOT_FOUND',
      `profile "${missing.slice(0, 64)}" does not exist (removed meanwhile?); create it with "plugndial profile add ${missing.slice(0, 64)}"`,
    );
  }
}

/** Devices that list a profile; a profile in use cannot be removed. */
export async function countProfileUsers(tx: SqlClient, profile: string): Promise<number> {
  const [row] = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM devices WHERE ${listsProfile(tx.dialect, '$1::text')}`,
    [profile],
  );
  return row?.n ?? 0;
}

/**
 * Writes a batch of last contacts in one transaction. Unknown MACs are skipped: a phone that
 * is not a device has nothing to record against.
 */
export async function recordContacts(
  client: SqlClient,
  updates: readonly ContactUpdate[],
): Promise<void> {
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
  if (client.dialect === 'sqlite') {
    await client.transaction((tx) => tx.query(RECORD_CONTACTS_SQLITE, [batch]), LAZY);
    return;
  }
  await client.transaction(async (tx) => {
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
  }, LAZY);
}

/** SQLite's writer is this process's alone: one statement does it, without locks. */
const RECORD_CONTACTS_SQLITE = `UPDATE devices SET last_contact = u.value->'lastContact',
    reported = CASE WHEN json_type(u.value->'reported') = 'object'
                    THEN json_patch(COALESCE(devices.reported, '{}'), u.value->'reported') ELSE devices.reported END
  FROM json_each($1::jsonb) AS u WHERE devices.mac = u.value->>'mac'`;

const CONFIG_NAME: Record<Dialect, string> = {
  postgres: `regexp_replace(lower(settings->>'provisioning.config_name'), '\\.(cfg|txt|xml)$', '')`,
  sqlite: SQLITE_CONFIG_NAME,
};

const IMPORTED_EXISTING: DialectText = {
  postgres: `SELECT ${COLUMNS} FROM devices WHERE mac IN (SELECT jsonb_array_elements_text($1::jsonb))
     ORDER BY mac FOR UPDATE`,
  sqlite: `SELECT ${COLUMNS} FROM devices WHERE mac IN (SELECT value FROM json_each($1::jsonb))
     ORDER BY mac`,
};

/** The configuration only: what phones reported and their last contacts stay as recorded. */
const IMPORTED_CHANGES: DialectText = {
  postgres: `UPDATE devices d SET vendor = u->>'vendor', model = u->>'model', profiles = u->'profiles',
       settings = u->'settings', updated_at = (u->>'updatedAt')::timestamptz
     FROM jsonb_array_elements($1::jsonb) AS u WHERE d.mac = u->>'mac'`,
  sqlite: `UPDATE devices SET vendor = u.value->>'vendor', model = u.value->>'model',
       profiles = u.value->'profiles', settings = u.value->'settings', updated_at = u.value->>'updatedAt'
     FROM json_each($1::jsonb) AS u WHERE devices.mac = u.value->>'mac'`,
};

const FIRST_EXISTING: DialectText = {
  postgres: `SELECT d.mac FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS i (mac, n)
     JOIN devices d ON d.mac = i.mac ORDER BY i.n LIMIT 1`,
  sqlite: `SELECT d.mac FROM json_each($1::jsonb) AS i JOIN devices d ON d.mac = i.value
     ORDER BY i.key LIMIT 1`,
};

const INSERT: DialectText = {
  postgres: `INSERT INTO devices (mac, vendor, model, profiles, settings, reported, last_contact, created_at, updated_at)
     SELECT d->>'mac', d->>'vendor', d->>'model', d->'profiles', d->'settings',
            NULLIF(d->'reported', 'null'::jsonb), NULLIF(d->'lastContact', 'null'::jsonb),
            (d->>'createdAt')::timestamptz, (d->>'updatedAt')::timestamptz
     FROM jsonb_array_elements($1::jsonb) AS d`,
  sqlite: `INSERT INTO devices (mac, vendor, model, profiles, settings, reported, last_contact, created_at, updated_at)
     SELECT d.value->>'mac', d.value->>'vendor', d.value->>'model', d.value->'profiles', d.value->'settings',
            NULLIF(d.value->'reported', 'null'), NULLIF(d.value->'lastContact', 'null'),
            d.value->>'createdAt', d.value->>'updatedAt'
     FROM json_each($1::jsonb) AS d`,
};

/** A condition: the device lists this profile (a parameter's text). */
export function listsProfile(dialect: Dialect, profile: string): string {
  return dialect === 'postgres'
    ? `profiles @> jsonb_build_array(${profile})`
    : `EXISTS (SELECT 1 FROM json_each(profiles) WHERE value = ${profile})`;
}

function deviceNotFound(mac: string): PlugndialError {
  return new PlugndialError('PND_DEVICE_NOT_FOUND', `no device ${mac}; add it before changing it`, {
    mac,
  });
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

export function toDevice(row: DeviceRow): Device {
  const device: Device = {
    mac: row.mac as Mac,
    vendor: row.vendor,
    profiles: fromJson(row.profiles),
    settings: fromJson(row.settings),
    createdAt: isoOf(row.created_at),
    updatedAt: isoOf(row.updated_at),
  };
  if (row.model !== null) device.model = row.model;
  if (row.reported !== null) device.reported = fromJson(row.reported);
  if (row.last_contact !== null) device.lastContact = fromJson(row.last_contact);
  return device;
}
