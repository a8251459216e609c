import type { CwmpState } from '../model/cwmp.ts';
import { emptyCwmpState } from '../model/cwmp.ts';
import type { Mac } from '../model/mac.ts';
import { fromJson, LAZY } from './sql-shapes.ts';
import type { SqlClient } from './sql.ts';

export async function cwmpState(client: SqlClient, mac: Mac): Promise<CwmpState | undefined> {
  const rows = await client.query<{ state: CwmpState | string }>(
    'SELECT state FROM cwmp_state WHERE mac = $1::text',
    [mac],
  );
  return rows[0] ? fromJson(rows[0].state) : undefined;
}

/**
 * Reads, changes and writes one device's state in one transaction (rows locked, so two
 * sessions of one CPE on two nodes do not lose each other's outcome). Undefined when the
 * MAC is not a device.
 */
export async function updateCwmpState(
  client: SqlClient,
  mac: Mac,
  change: (state: CwmpState) => CwmpState,
  now: Date,
  observation = false,
): Promise<CwmpState | undefined> {
  return client.transaction(
    async (tx) => {
      const device = await tx.query<{ mac: string }>(
        'SELECT mac FROM devices WHERE mac = $1::text FOR UPDATE',
        [mac],
      );
      if (device.length === 0) return undefined;
      const rows = await tx.query<{ state: CwmpState | string }>(
        'SELECT state FROM cwmp_state WHERE mac = $1::text FOR UPDATE',
        [mac],
      );
      const next = change(rows[0] ? fromJson(rows[0].state) : emptyCwmpState());
      await tx.query(
        `INSERT INTO cwmp_state (mac, state, updated_at) VALUES ($1::text, $2::jsonb, $3::timestamptz)
       ON CONFLICT (mac) DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at`,
        [mac, JSON.stringify(next), now.toISOString()],
      );
      return next;
    },
    observation ? LAZY : undefined,
  );
}
