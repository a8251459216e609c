import type { Mac } from '../model/mac.ts';
import type { PendingPhone, ResyncOutcome } from '../model/resync.ts';
import { fromJson, isoTimestamp, LAZY, offsetOnly, wholeNumber } from './sql-shapes.ts';
import type { SqlClient } from './sql.ts';

/** Pending phones kept at most; a flood of made-up MACs pushes out the oldest sightings only. */
export const MAX_PENDING_PHONES = 10_000;

/** The latest outcome per device. A device removed meanwhile has nothing to record against. */
export async function recordResync(
  client: SqlClient,
  mac: Mac,
  outcome: ResyncOutcome,
): Promise<void> {
  await client.transaction(
    (tx) =>
      tx.query(
        `INSERT INTO resync_outcomes (mac, outcome, at)
         SELECT $1::text, $2::jsonb, $3::timestamptz WHERE EXISTS (SELECT 1 FROM devices WHERE mac = $1::text)
         ON CONFLICT (mac) DO UPDATE SET outcome = EXCLUDED.outcome, at = EXCLUDED.at`,
        [mac, JSON.stringify(outcome), outcome.at],
      ),
    LAZY,
  );
}

export async function resyncOutcomes(
  client: SqlClient,
  macs: readonly Mac[],
): Promise<Map<Mac, ResyncOutcome>> {
  if (macs.length === 0) return new Map();
  const rows = await client.query<{ mac: Mac; outcome: ResyncOutcome | string }>(
    client.dialect === 'postgres'
      ? `SELECT mac, outcome FROM resync_outcomes WHERE mac IN (SELECT jsonb_array_elements_text($1::jsonb))`
      : `SELECT mac, outcome FROM resync_outcomes WHERE mac IN (SELECT value FROM json_each($1::jsonb))`,
    [JSON.stringify(macs)],
  );
  return new Map(rows.map((row) => [row.mac, fromJson(row.outcome)]));
}

/** Adds a sighting, or counts another one; then keeps only the newest `keep` phones. */
export async function recordPendingPhone(
  client: SqlClient,
  sighting: Omit<PendingPhone, 'firstSeen' | 'sightings'>,
  keep: number = MAX_PENDING_PHONES,
): Promise<void> {
  await client.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO pending_phones (mac, vendor, model, firmware, address, first_seen, last_seen, sightings)
       VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::timestamptz, $6::timestamptz, 1)
       ON CONFLICT (mac) DO UPDATE SET
         vendor = COALESCE(EXCLUDED.vendor, pending_phones.vendor),
         model = COALESCE(EXCLUDED.model, pending_phones.model),
         firmware = COALESCE(EXCLUDED.firmware, pending_phones.firmware),
         address = EXCLUDED.address,
         last_seen = ${client.dialect === 'postgres' ? 'GREATEST' : 'max'}(pending_phones.last_seen, EXCLUDED.last_seen),
         sightings = pending_phones.sightings + 1`,
      [
        sighting.mac,
        sighting.vendor ?? null,
        sighting.model ?? null,
        sighting.firmware ?? null,
        sighting.address,
        sighting.lastSeen,
      ],
    );
    await tx.query(
      `DELETE FROM pending_phones WHERE mac IN
         (SELECT mac FROM pending_phones ORDER BY last_seen DESC, mac ${offsetOnly(tx.dialect, '$1::int')})`,
      [wholeNumber(keep, 'keep')],
    );
  }, LAZY);
}

/** Pending phones that are still not devices, most recently seen first. */
export async function listPendingPhones(client: SqlClient): Promise<PendingPhone[]> {
  const rows = await client.query<{
    mac: Mac;
    vendor: string | null;
    model: string | null;
    firmware: string | null;
    address: string;
    first_seen: string;
    last_seen: string;
    sightings: number;
  }>(
    `SELECT mac, vendor, model, firmware, address, ${isoTimestamp('first_seen', client.dialect)} AS first_seen,
       ${isoTimestamp('last_seen', client.dialect)} AS last_seen, sightings
     FROM pending_phones p WHERE NOT EXISTS (SELECT 1 FROM devices d WHERE d.mac = p.mac)
     ORDER BY last_seen DESC, mac`,
  );
  return rows.map((row) => ({
    mac: row.mac,
    address: row.address,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    sightings: row.sightings,
    ...(row.vendor !== null ? { vendor: row.vendor } : {}),
    ...(row.model !== null ? { model: row.model } : {}),
    ...(row.firmware !== null ? { firmware: row.firmware } : {}),
  }));
}

export async function removePendingPhone(client: SqlClient, mac: Mac): Promise<boolean> {
  const rows = await client.query('DELETE FROM pending_phones WHERE mac = $1::text RETURNING mac', [
    mac,
  ]);
  return rows.length > 0;
}
