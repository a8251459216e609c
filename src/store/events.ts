import type { EventQuery, ProvisioningEvent } from '../provisioning/event.ts';
import { isoTimestamp, logFilter, wholeNumber } from './sql-shapes.ts';
import type { SqlClient } from './sql.ts';

export const DEFAULT_EVENT_LIMIT = 100;
export const MAX_EVENT_LIMIT = 10_000;

const COLUMNS = `id::float8 AS id, ${isoTimestamp('at')} AS at, mac, driver, file, transport, address, status,
  bytes::float8 AS bytes, duration_ms, user_agent, retransmissions, reason`;

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

/** Appends a batch in one multi-row insert. */
export async function appendEvents(
  client: SqlClient,
  events: readonly ProvisioningEvent[],
): Promise<void> {
  if (events.length === 0) return;
  await client.query(
    `INSERT INTO events (at, mac, driver, file, transport, address, status, bytes, duration_ms, user_agent,
       retransmissions, reason)
     SELECT at, mac, driver, file, transport, address, status, bytes, duration_ms, user_agent, retransmissions, reason
     FROM jsonb_to_recordset($1::jsonb) AS e (at timestamptz, mac text, driver text, file text, transport text,
       address text, status int, bytes bigint, duration_ms double precision, user_agent text, retransmissions int,
       reason text)`,
    [JSON.stringify(events.map(eventRecord))],
  );
}

/** Newest first; `since` is inclusive, `until` exclusive; at most 10,000 (100 unless asked). */
export async function queryEvents(
  client: SqlClient,
  query: EventQuery,
): Promise<ProvisioningEvent[]> {
  const { where, params } = logFilter(query, {
    default: DEFAULT_EVENT_LIMIT,
    max: MAX_EVENT_LIMIT,
  });
  const rows = await client.query<EventRow>(
    `SELECT ${COLUMNS} FROM events${where}
     ORDER BY at DESC, id DESC LIMIT $${params.length}::int`,
    params,
  );
  return rows.map(toEvent);
}

/** Deletes events older than `before` and any beyond the newest `keep` (Infinity keeps all); returns how many. */
export async function pruneEvents(client: SqlClient, before: Date, keep: number): Promise<number> {
  const beyond = Number.isFinite(keep) ? wholeNumber(keep, 'keep') : null;
  const [row] = await client.query<{ n: number }>(
    `WITH pruned AS (
       DELETE FROM events WHERE at < $1::timestamptz
         OR ($2::int IS NOT NULL AND id IN (SELECT id FROM events ORDER BY at DESC, id DESC OFFSET $2::int))
       RETURNING 1)
     SELECT count(*)::int AS n FROM pruned`,
    [before.toISOString(), beyond],
  );
  return row?.n ?? 0;
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
