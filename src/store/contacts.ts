import { PlugndialError } from '../errors.ts';
import { ownerKey, type Contact, type ContactList, type ContactOwner } from '../model/contact.ts';
import { fromJson, isoTimestamp, perDialect, type ConfigOutcome } from './sql-shapes.ts';
import type { SqlClient } from './sql.ts';

interface ContactRow {
  device: string | null;
  profile: string | null;
  contacts: Contact[] | string;
  updated_at: string;
}

const COLUMNS = perDialect(
  (dialect) => `device, profile, contacts, ${isoTimestamp('updated_at', dialect)} AS updated_at`,
);

function where(owner: ContactOwner): [string, string] {
  return 'device' in owner
    ? ['device = $1::text', owner.device]
    : ['profile = $1::text', owner.profile];
}

export async function getContacts(
  client: SqlClient,
  owner: ContactOwner,
): Promise<ContactList | undefined> {
  const [condition, value] = where(owner);
  const [row] = await client.query<ContactRow>(
    `SELECT ${COLUMNS[client.dialect]} FROM contact_lists WHERE ${condition}`,
    [value],
  );
  return row ? toList(row) : undefined;
}

/** Who has a list, without the lists. */
export async function contactOwners(client: SqlClient): Promise<ContactOwner[]> {
  const rows = await client.query<{ device: string | null; profile: string | null }>(
    'SELECT device, profile FROM contact_lists',
  );
  return rows.map((row) =>
    row.device !== null ? { device: row.device } : { profile: row.profile ?? '' },
  );
}

export async function listContacts(client: SqlClient): Promise<ContactList[]> {
  const rows = await client.query<ContactRow>(
    `SELECT ${COLUMNS[client.dialect]} FROM contact_lists ORDER BY profile NULLS LAST, device`,
  );
  return rows.map(toList);
}

/** Replaces an owner's whole list; the owner must exist. */
export async function setContacts(
  tx: SqlClient,
  owner: ContactOwner,
  contacts: readonly Contact[],
  now: Date,
): Promise<ConfigOutcome<ContactList>> {
  const [condition, value] = where(owner);
  const table = 'device' in owner ? 'devices WHERE mac' : 'profiles WHERE name';
  const found = await tx.query(`SELECT 1 FROM ${table} = $1::text FOR UPDATE`, [value]);
  if (found.length === 0) {
    throw 'device' in owner
      ? new PlugndialError('PND_DEVICE_NOT_FOUND', `no device ${owner.device}; add it first`)
      : new PlugndialError(
          'PND_PROFILE_NOT_FOUND',
          `no profile "${owner.profile.slice(0, 64)}"; add it first`,
        );
  }
  await tx.query(`DELETE FROM contact_lists WHERE ${condition}`, [value]);
  const [row] = await tx.query<ContactRow>(
    `INSERT INTO contact_lists (device, profile, contacts, updated_at)
     VALUES ($1::text, $2::text, $3::jsonb, $4::timestamptz) RETURNING ${COLUMNS[tx.dialect]}`,
    [
      'device' in owner ? owner.device : null,
      'profile' in owner ? owner.profile : null,
      JSON.stringify(contacts),
      now.toISOString(),
    ],
  );
  if (!row) throw new PlugndialError('PND_DATABASE', 'database error: the list was not stored');
  return { result: toList(row), keys: [ownerKey(owner)] };
}

export async function removeContacts(
  tx: SqlClient,
  owner: ContactOwner,
): Promise<ConfigOutcome<boolean>> {
  const [condition, value] = where(owner);
  const rows = await tx.query(`DELETE FROM contact_lists WHERE ${condition} RETURNING 1 AS one`, [
    value,
  ]);
  return rows.length > 0 ? { result: true, keys: [ownerKey(owner)] } : { result: false, keys: [] };
}

function toList(row: ContactRow): ContactList {
  return {
    owner: row.device !== null ? { device: row.device } : { profile: row.profile ?? '' },
    contacts: fromJson(row.contacts),
    updatedAt: row.updated_at,
  };
}
