/**
 * The fleet as the console's tables and overview see it: one page of devices, searched,
 * filtered and sorted by the database, and the overview's counts, each one statement. Nothing
 * here holds the fleet in memory: 100,000 devices cost the database a scan, not this process
 * a copy.
 */
import { COLUMNS, listsProfile, toDevice, type DeviceRow } from './devices.ts';
import { FAILED } from './events.ts';
import { fromJson, wholeNumber } from './sql-shapes.ts';
import type { Dialect, SqlClient } from './sql.ts';
import type { DevicePage, DeviceSearch, DeviceSortKey, FleetCounts } from './store.ts';

/** A page is a screen of rows, not an export. */
export const MAX_PAGE = 1000;

/** A text field of a JSON column, by a key that may hold dots (`accounts.1.user`). */
function field(dialect: Dialect, column: string, key: string): string {
  // SQLite reads a bare label with dots as a path into nested objects; a quoted one is one key.
  return dialect === 'postgres' ? `${column}->>'${key}'` : `${column}->>'$."${key}"'`;
}

/** The model a device is known by: its own, else what its phone reported. */
function model(dialect: Dialect): string {
  return `lower(COALESCE(model, ${field(dialect, 'reported', 'model')}))`;
}

function sortExpression(dialect: Dialect, key: DeviceSortKey): string {
  switch (key) {
    case 'mac':
      return 'mac';
    case 'vendor':
      return 'vendor';
    case 'model':
      return model(dialect);
    case 'user':
      return field(dialect, 'settings', 'accounts.1.user');
    case 'lastContact':
      return field(dialect, 'last_contact', 'at');
    case 'firmware':
      return field(dialect, 'reported', 'firmware');
    case 'created':
      return 'created_at';
    case 'updated':
      return 'updated_at';
  }
}

/** `%`, `_` and the escape itself taken literally in a LIKE pattern. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The hex digits of a MAC typed in any form: `00:21:F2`, `0021.f2`, `00-21-f2-00`. */
function macDigits(text: string): string | undefined {
  const digits = text.replace(/[\s:.-]/g, '').toLowerCase();
  return /^[0-9a-f]{2,12}$/.test(digits) ? digits : undefined;
}

function whereOf(
  dialect: Dialect,
  search: Omit<DeviceSearch, 'limit' | 'offset'>,
): { where: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown, cast = 'text'): string => {
    params.push(value);
    return `$${params.length}::${cast}`;
  };
  if (search.vendor !== undefined) conditions.push(`vendor = ${param(search.vendor)}`);
  if (search.profile !== undefined) conditions.push(listsProfile(dialect, param(search.profile)));
  if (search.model !== undefined)
    conditions.push(`${model(dialect)} = ${param(search.model.toLowerCase())}`);
  if (search.firmware !== undefined) {
    const running = field(dialect, 'reported', 'firmware');
    const version = param(search.firmware.version);
    conditions.push(
      search.firmware.not
        ? `(${running} IS NULL OR ${running} <> ${version})`
        : `${running} = ${version}`,
    );
  }
  const seen = field(dialect, 'last_contact', 'at');
  if (search.seenSince !== undefined) conditions.push(`${seen} >= ${param(search.seenSince)}`);
  if (search.seenBefore !== undefined || search.never === true) {
    const before =
      search.seenBefore !== undefined ? `${seen} < ${param(search.seenBefore)}` : undefined;
    conditions.push(
      search.never === true
        ? `(last_contact IS NULL${before ? ` OR ${before}` : ''})`
        : `(${before})`,
    );
  }
  const text = search.text?.trim();
  if (text) {
    const pattern = param(`%${likeLiteral(text.toLowerCase())}%`);
    const alternatives = [
      'lower(vendor)',
      model(dialect),
      `lower(${field(dialect, 'settings', 'accounts.1.user')})`,
      `lower(${field(dialect, 'settings', 'accounts.1.label')})`,
      `lower(${field(dialect, 'settings', 'accounts.1.display_name')})`,
      `lower(${field(dialect, 'reported', 'firmware')})`,
      `lower(${field(dialect, 'last_contact', 'address')})`,
      // The profile list as JSON text: a name's part matches, as the others do.
      `lower(profiles::text)`,
    ].map((expression) => `${expression} LIKE ${pattern} ESCAPE '\\'`);
    const digits = macDigits(text);
    if (digits) alternatives.unshift(`mac LIKE ${param(`%${digits}%`)}`);
    conditions.push(`(${alternatives.join(' OR ')})`);
  }
  return { where: conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '', params };
}

export async function searchDevices(client: SqlClient, search: DeviceSearch): Promise<DevicePage> {
  const limit = Math.min(wholeNumber(search.limit, 'limit'), MAX_PAGE);
  const offset = wholeNumber(search.offset, 'offset');
  const { where, params } = whereOf(client.dialect, search);
  const [counted] = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM devices${where}`,
    params,
  );
  const total = counted?.n ?? 0;
  if (limit === 0 || offset >= total) return { total, devices: [] };
  const key = sortExpression(client.dialect, search.sort ?? 'mac');
  const direction = search.descending ? 'DESC' : 'ASC';
  // Devices without the value last either way; the MAC keeps pages stable among equals.
  const order =
    key === 'mac'
      ? `mac ${direction}`
      : `(${key} IS NULL) ASC, ${key} ${direction}, mac ${direction}`;
  const rows = await client.query<DeviceRow>(
    `SELECT ${COLUMNS} FROM devices${where} ORDER BY ${order}
     LIMIT $${params.length + 1}::int OFFSET $${params.length + 2}::int`,
    [...params, limit, offset],
  );
  return { total, devices: rows.map(toDevice) };
}

export async function fleetCounts(
  client: SqlClient,
  since: { hour: string; day: string; failures: string },
): Promise<FleetCounts> {
  const dialect = client.dialect;
  const seen = field(dialect, 'last_contact', 'at');
  const [totals] = await client.query<{ n: number; hour: number; day: number; never: number }>(
    `SELECT count(*)::int AS n,
       COALESCE(SUM(CASE WHEN ${seen} >= $1::text THEN 1 ELSE 0 END), 0)::int AS hour,
       COALESCE(SUM(CASE WHEN ${seen} >= $2::text THEN 1 ELSE 0 END), 0)::int AS day,
       COALESCE(SUM(CASE WHEN last_contact IS NULL THEN 1 ELSE 0 END), 0)::int AS never
     FROM devices`,
    [since.hour, since.day],
  );
  const vendors = await client.query<{ vendor: string; n: number }>(
    'SELECT vendor, count(*)::int AS n FROM devices GROUP BY vendor ORDER BY vendor',
  );
  const profiles = await client.query<{ profile: string; n: number }>(
    dialect === 'postgres'
      ? `SELECT p AS profile, count(*)::int AS n FROM devices, jsonb_array_elements_text(profiles) AS p
         GROUP BY p ORDER BY p`
      : `SELECT p.value AS profile, count(*) AS n FROM devices, json_each(devices.profiles) AS p
         GROUP BY p.value ORDER BY p.value`,
  );
  const own = field(dialect, 'settings', 'firmware.version');
  const running = field(dialect, 'reported', 'firmware');
  const firmware = await client.query<{
    vendor: string;
    model: string | null;
    profiles: string[] | string;
    own: string | null;
    running: string | null;
    n: number;
  }>(
    `SELECT vendor, ${model(dialect)} AS model, profiles, ${own} AS own, ${running} AS running,
       count(*)::int AS n
     FROM devices GROUP BY vendor, ${model(dialect)}, profiles, ${own}, ${running}`,
  );
  const failures = await client.query<{ reason: string | null; transport: string; n: number }>(
    `SELECT reason, transport, count(*)::int AS n FROM events
     WHERE at >= $1::timestamptz AND ${FAILED} GROUP BY reason, transport`,
    [since.failures],
  );
  const [pending] = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pending_phones p
     WHERE NOT EXISTS (SELECT 1 FROM devices d WHERE d.mac = p.mac)`,
  );
  return {
    devices: totals?.n ?? 0,
    seenSince: { hour: totals?.hour ?? 0, day: totals?.day ?? 0 },
    never: totals?.never ?? 0,
    vendors: vendors.map((row) => ({ vendor: row.vendor, devices: row.n })),
    profiles: profiles.map((row) => ({ profile: row.profile, devices: row.n })),
    firmware: firmware.map((row) => ({
      vendor: row.vendor,
      model: row.model,
      profiles: fromJson(row.profiles),
      own: row.own,
      running: row.running,
      devices: row.n,
    })),
    failures: failures.map((row) => ({
      reason: row.reason,
      transport: row.transport,
      count: row.n,
    })),
    pending: pending?.n ?? 0,
  };
}
