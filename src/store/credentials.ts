import { PlugndialError } from '../errors.ts';
import type {
  DeviceCredentials,
  NewCredentials,
  SecurityEvent,
  SecurityEventQuery,
} from '../model/credentials.ts';
import type { Mac } from '../model/mac.ts';
import {
  isoTimestamp,
  LAZY,
  logFilter,
  offsetOnly,
  perDialect,
  wholeNumber,
  type ConfigOutcome,
} from './sql-shapes.ts';
import type { SqlClient } from './sql.ts';

/** Security events kept at most; the oldest go first. */
export const MAX_SECURITY_EVENTS = 100_000;

const COLUMNS = perDialect(
  (dialect) => `mac, username, password, previous_password,
    ${isoTimestamp('previous_until', dialect)} AS previous_until,
    ${isoTimestamp('rotated_at', dialect)} AS rotated_at,
    ${isoTimestamp('first_contact_opened_at', dialect)} AS opened_at,
    ${isoTimestamp('first_contact_closed_at', dialect)} AS closed_at`,
);

interface CredentialsRow {
  mac: Mac;
  username: string;
  password: string;
  previous_password: string | null;
  previous_until: string | null;
  rotated_at: string;
  opened_at: string | null;
  closed_at: string | null;
}

export async function deviceCredentials(
  client: SqlClient,
  mac: Mac,
): Promise<DeviceCredentials | undefined> {
  const [row] = await client.query<CredentialsRow>(
    `SELECT ${COLUMNS[client.dialect]} FROM device_credentials WHERE mac = $1::text`,
    [mac],
  );
  return row ? toCredentials(row) : undefined;
}

/**
 * Inserts the fresh credentials unless the device has some already, and returns what it has.
 * Two nodes racing for one device end with the same row. Undefined when there is no device.
 */
export async function ensureDeviceCredentials(
  client: SqlClient,
  mac: Mac,
  fresh: NewCredentials,
  now: Date,
): Promise<DeviceCredentials | undefined> {
  await client.query(
    `INSERT INTO device_credentials (mac, username, password, rotated_at)
     SELECT $1::text, $2::text, $3::text, $4::timestamptz WHERE EXISTS (SELECT 1 FROM devices WHERE mac = $1::text)
     ON CONFLICT (mac) DO NOTHING`,
    [mac, fresh.username, fresh.password, now.toISOString()],
  );
  return deviceCredentials(client, mac);
}

/**
 * New credentials for a device; the old password stays valid until `graceUntil` (none: at
 * once). `reopen` starts the device's first-contact window again (a phone reset to factory).
 * `event`, the security event that tells of it, is written in the same transaction: a
 * rotation is never made without its record, nor answered as failed once made.
 */
export async function rotateDeviceCredentials(
  tx: SqlClient,
  mac: Mac,
  fresh: NewCredentials,
  options: { graceUntil?: Date; reopen: boolean; event?: SecurityEvent },
  now: Date,
): Promise<ConfigOutcome<DeviceCredentials>> {
  const [device] = await tx.query('SELECT mac FROM devices WHERE mac = $1::text FOR UPDATE', [mac]);
  if (!device) throw new PlugndialError('PND_DEVICE_NOT_FOUND', `no device ${mac}`);
  const grace = options.graceUntil?.toISOString() ?? null;
  await tx.query(
    `INSERT INTO device_credentials AS c (mac, username, password, rotated_at)
     VALUES ($1::text, $2::text, $3::text, $4::timestamptz)
     ON CONFLICT (mac) DO UPDATE SET
       username = EXCLUDED.username,
       password = EXCLUDED.password,
       previous_password = CASE WHEN $5::timestamptz IS NULL THEN NULL ELSE c.password END,
       previous_until = $5::timestamptz,
       rotated_at = EXCLUDED.rotated_at,
       first_contact_opened_at = CASE WHEN $6::boolean THEN NULL ELSE c.first_contact_opened_at END,
       first_contact_closed_at = CASE WHEN $6::boolean THEN NULL ELSE c.first_contact_closed_at END`,
    [mac, fresh.username, fresh.password, now.toISOString(), grace, options.reopen],
  );
  if (options.event) await appendSecurityEvents(tx, [options.event]);
  const rotated = await deviceCredentials(tx, mac);
  return { result: rotated!, keys: [mac] };
}

/** Stamps the window's first use or its end, each once; returns the row as it is now. */
export async function markFirstContact(
  client: SqlClient,
  mac: Mac,
  mark: 'opened' | 'closed',
  at: Date,
): Promise<DeviceCredentials | undefined> {
  const column = mark === 'opened' ? 'first_contact_opened_at' : 'first_contact_closed_at';
  await client.query(
    `UPDATE device_credentials SET ${column} = $2::timestamptz WHERE mac = $1::text AND ${column} IS NULL`,
    [mac, at.toISOString()],
  );
  return deviceCredentials(client, mac);
}

/** Every `provisioning.access` value a device or profile sets, each once. */
export async function accessPoliciesInUse(client: SqlClient): Promise<string[]> {
  const rows = await client.query<{ policy: string }>(
    `SELECT settings->>'provisioning.access' AS policy FROM devices
       WHERE settings->>'provisioning.access' IS NOT NULL
     UNION SELECT settings->>'provisioning.access' FROM profiles
       WHERE settings->>'provisioning.access' IS NOT NULL`,
  );
  return rows.map((row) => row.policy);
}

export async function appendSecurityEvents(
  client: SqlClient,
  events: readonly SecurityEvent[],
  keep: number = MAX_SECURITY_EVENTS,
): Promise<void> {
  if (events.length === 0) return;
  await client.transaction(async (tx) => {
    await tx.query(
      tx.dialect === 'postgres'
        ? `INSERT INTO security_events (at, kind, address, mac, detail)
           SELECT at, kind, address, mac, detail FROM jsonb_to_recordset($1::jsonb)
             AS e (at timestamptz, kind text, address text, mac text, detail text)`
        : `INSERT INTO security_events (at, kind, address, mac, detail)
           SELECT e.value->>'at', e.value->>'kind', e.value->>'address', e.value->>'mac',
             e.value->>'detail' FROM json_each($1::jsonb) AS e`,
      [
        JSON.stringify(
          events.map((e) => ({
            at: new Date(e.at).toISOString(),
            kind: e.kind,
            address: e.address ?? null,
            mac: e.mac ?? null,
            detail: e.detail?.slice(0, 500) ?? null,
          })),
        ),
      ],
    );
    await tx.query(
      `DELETE FROM security_events WHERE id IN
         (SELECT id FROM security_events ORDER BY id DESC ${offsetOnly(tx.dialect, '$1::int')})`,
      [wholeNumber(keep, 'keep')],
    );
  }, LAZY);
}

/** Newest first; at most 10,000 (100 unless asked). */
export async function querySecurityEvents(
  client: SqlClient,
  query: SecurityEventQuery,
): Promise<SecurityEvent[]> {
  const { where, params } = logFilter(query, { default: 100, max: 10_000 });
  const rows = await client.query<{
    id: number;
    at: string;
    kind: SecurityEvent['kind'];
    address: string | null;
    mac: string | null;
    detail: string | null;
  }>(
    `SELECT id::float8 AS id, ${isoTimestamp('at', client.dialect)} AS at, kind, address, mac, detail
     FROM security_events${where}
     ORDER BY id DESC LIMIT $${params.length}::int`,
    params,
  );
  return rows.map((row) => ({
    id: row.id,
    at: row.at,
    kind: row.kind,
    ...(row.address !== null ? { address: row.address } : {}),
    ...(row.mac !== null ? { mac: row.mac } : {}),
    ...(row.detail !== null ? { detail: row.detail } : {}),
  }));
}

function toCredentials(row: CredentialsRow): DeviceCredentials {
  const firstContact: DeviceCredentials['firstContact'] = {};
  if (row.opened_at !== null) firstContact.openedAt = row.opened_at;
  if (row.closed_at !== null) firstContact.closedAt = row.closed_at;
  return {
    mac: row.mac,
    username: row.username,
    password: row.password,
    rotatedAt: row.rotated_at,
    firstContact,
    ...(row.previous_password !== null && row.previous_until !== null
      ? { previousPassword: row.previous_password, previousUntil: row.previous_until }
      : {}),
  };
}
