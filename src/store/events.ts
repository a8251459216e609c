/**
 * Provisioning events, one row each. The EventRecorder writes them in batches, one statement
 * per batch, which both engines take for about the cost of one row; the database filters,
 * orders and prunes them by its indexes (at, id) and (mac, at, id).
 */
import { PlugndialError } from '../errors.ts';
import type { EventQuery, ProvisioningEvent } from '../model/event.ts';
import { isoTimestamp, LAZY, offsetOnly, perDialect, wholeNumber } from './sql-shapes.ts';
import type { SqlClient } from './sql.ts';

export const DEFAULT_EVENT_LIMIT = 100;
export const MAX_EVENT_LIMIT = 10_000;

const FIELDS = `at, mac, driver, file, transport, address, status, bytes, duration_ms,
  user_agent, retransmissions, reason, node`;

const COLUMNS = perDialect(
  (dialect) => `id::float8 AS id, ${isoTimestamp('at', dialect)} AS at, mac, driver, file,
    transport, address, status, bytes::float8 AS bytes, duration_ms, user_agent,
    retransmissions, reason, node`,
);

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
  node: string | null;
}

/**
 * Appends a batch, in one statement whatever its size. PostgreSQL: twelve arrays, unnested
 * into rows. SQLite: one JSON array of rows, read back by json_each in order — a prepared
 * insert per event cost its binding of twelve parameters on this thread for every row.
 */
export async function appendEvents(
  client: SqlClient,
  events: readonly ProvisioningEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map(eventColumns);
  if (client.dialect === 'postgres') {
    const columns = Array.from({ length: 13 }, (_, k) => rows.map((row) => row[k]));
    await client.query(
      `INSERT INTO events (${FIELDS})
       SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[],
         $6::text[], $7::int[], $8::bigint[], $9::float8[], $10::text[], $11::int[], $12::text[],
         $13::text[])`,
      columns,
    );
    return;
  }
  await client.transaction((tx) => tx.query(INSERT_ROWS_SQLITE, [JSON.stringify(rows)]), LAZY);
}

// Each row is an array in FIELDS' order; the STRICT table checks each value's type.
const INSERT_ROWS_SQLITE = `INSERT INTO events (${FIELDS})
  SELECT e.value->>0, e.value->>1, e.value->>2, e.value->>3, e.value->>4, e.value->>5,
    e.value->>6, e.value->>7, e.value->>8, e.value->>9, e.value->>10, e.value->>11, e.value->>12
  FROM json_each($1::jsonb) AS e ORDER BY e.key`;

function eventColumns(event: ProvisioningEvent): unknown[] {
  return [
    eventTime(event.at),
    event.mac ?? null,
    event.driver ?? null,
    event.file,
    event.transport,
    event.address,
    event.status,
    event.bytes,
    event.durationMs,
    event.userAgent ?? null,
    event.retransmissions ?? null,
    event.reason ?? null,
    event.node ?? null,
  ];
}

/** Newest first by (at, id); `since` is inclusive, `until` exclusive; at most 10,000 (100 unless asked). */
export async function queryEvents(
  client: SqlClient,
  query: EventQuery,
): Promise<ProvisioningEvent[]> {
  const limit = Math.min(wholeNumber(query.limit ?? DEFAULT_EVENT_LIMIT, 'limit'), MAX_EVENT_LIMIT);
  if (limit === 0) return [];
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (condition: string, value: unknown): void => {
    params.push(value);
    conditions.push(condition.replace('?', `$${params.length}`));
  };
  if (query.mac !== undefined) add('mac = ?::text', query.mac);
  if (query.since !== undefined) add('at >= ?::timestamptz', query.since);
  if (query.until !== undefined) add('at < ?::timestamptz', query.until);
  if (query.afterId !== undefined) add('id > ?::bigint', wholeNumber(query.afterId, 'after'));
  if (query.reason !== undefined) add('reason = ?::text', query.reason);
  if (query.node !== undefined) add('node = ?::text', query.node);
  if (query.failed === true) conditions.push(FAILED);
  params.push(limit);
  const rows = await client.query<EventRow>(
    `SELECT ${COLUMNS[client.dialect]} FROM events
     ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
     ORDER BY at DESC, id DESC LIMIT $${params.length}::int`,
    params,
  );
  return rows.map(toEvent);
}

/** A request that failed: refused, missing, timed out, or a transfer the phone reported faulty. */
export const FAILED = `(status >= 400 OR reason LIKE 'transfer-fault%')`;

/**
 * Deletes events older than `before` and any beyond the newest `keep` (Infinity keeps all),
 * in one transaction; returns how many.
 */
export async function pruneEvents(client: SqlClient, before: Date, keep: number): Promise<number> {
  const limit = Number.isFinite(keep) ? wholeNumber(keep, 'keep') : undefined;
  return client.transaction(async (tx) => {
    let removed = await deleteEvents(tx, 'at < $1::timestamptz', [before.toISOString()]);
    if (limit !== undefined) {
      removed += await deleteEvents(
        tx,
        `id IN (SELECT id FROM events ORDER BY at DESC, id DESC ${offsetOnly(tx.dialect, '$1::int')})`,
        [limit],
      );
    }
    return removed;
  });
}

/** Deletes the events matching `where` and says how many. */
async function deleteEvents(tx: SqlClient, where: string, params: unknown[]): Promise<number> {
  if (tx.dialect === 'postgres') {
    const [row] = await tx.query<{ n: number }>(
      `WITH gone AS (DELETE FROM events WHERE ${where} RETURNING 1)
       SELECT count(*)::float8 AS n FROM gone`,
      params,
    );
    return row?.n ?? 0;
  }
  await tx.query(`DELETE FROM events WHERE ${where}`, params);
  const [row] = await tx.query<{ n: number }>('SELECT changes() AS n');
  return row?.n ?? 0;
}

function eventTime(at: string): string {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) {
    throw new PlugndialError(
      'PND_INVALID_ARGUMENT',
      `an event's time must be an ISO 8601 date-time, not "${at.slice(0, 40)}"`,
    );
  }
  return new Date(ms).toISOString();
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
  if (row.node !== null) event.node = row.node;
  return event;
}
