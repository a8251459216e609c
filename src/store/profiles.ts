import { PlugndialError } from '../errors.ts';
import type { Profile } from '../model/device.ts';
import type { Settings } from '../model/settings.ts';
import { countProfileUsers } from './devices.ts';
import { fromJson, isoTimestamp, perDialect, type ConfigOutcome } from './sql-shapes.ts';
import type { SqlClient } from './sql.ts';

const COLUMNS = perDialect(
  (dialect) => `name, description, settings, ${isoTimestamp('created_at', dialect)} AS created_at,
    ${isoTimestamp('updated_at', dialect)} AS updated_at`,
);

interface ProfileRow {
  name: string;
  description: string | null;
  settings: Settings | string;
  created_at: string;
  updated_at: string;
}

export async function getProfile(client: SqlClient, name: string): Promise<Profile | undefined> {
  const [row] = await client.query<ProfileRow>(
    `SELECT ${COLUMNS[client.dialect]} FROM profiles WHERE name = $1::text`,
    [name],
  );
  return row ? toProfile(row) : undefined;
}

export async function listProfiles(client: SqlClient): Promise<Profile[]> {
  return (
    await client.query<ProfileRow>(`SELECT ${COLUMNS[client.dialect]} FROM profiles ORDER BY name`)
  ).map(toProfile);
}

export async function insertProfile(tx: SqlClient, profile: Profile): Promise<ConfigOutcome<void>> {
  const rows = await tx.query(
    `INSERT INTO profiles (name, description, settings, created_at, updated_at)
     SELECT p->>'name', p->>'description', p->'settings', (p->>'createdAt')::timestamptz, (p->>'updatedAt')::timestamptz
     FROM (SELECT $1::jsonb AS p) AS input WHERE true
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
}

/** Reads the profile under a row lock, applies `change` to a copy and writes the result. */
export async function updateProfile(
  tx: SqlClient,
  name: string,
  change: (profile: Profile) => Profile,
  now: Date,
): Promise<ConfigOutcome<Profile>> {
  const [row] = await tx.query<ProfileRow>(
    `SELECT ${COLUMNS[tx.dialect]} FROM profiles WHERE name = $1::text FOR UPDATE`,
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
    updatedAt: now.toISOString(),
  });
  const [updated] = await tx.query<ProfileRow>(
    `UPDATE profiles SET description = p->>'description', settings = p->'settings',
       updated_at = (p->>'updatedAt')::timestamptz
     FROM (SELECT $2::jsonb AS p) AS input
     WHERE name = $1::text RETURNING ${COLUMNS[tx.dialect]}`,
    [name, JSON.stringify(record)],
  );
  if (!updated) throw profileNotFound(name);
  return { result: toProfile(updated), keys: [name] };
}

/** Removes a profile no device lists; PND_PROFILE_IN_USE says how many still do. */
export async function removeProfile(tx: SqlClient, name: string): Promise<ConfigOutcome<boolean>> {
  const [row] = await tx.query('SELECT name FROM profiles WHERE name = $1::text FOR UPDATE', [
    name,
  ]);
  if (!row) return { result: false, keys: [] };
  const users = await countProfileUsers(tx, name);
  if (users > 0) {
    throw new PlugndialError(
      'PND_PROFILE_IN_USE',
      `profile "${name}" is used by ${users} device${users === 1 ? '' : 's'}; remove it from them first`,
      { profile: name, devices: users },
    );
  }
  await tx.query('DELETE FROM profiles WHERE name = $1::text', [name]);
  return { result: true, keys: [name] };
}

function profileNotFound(name: string): PlugndialError {
  return new PlugndialError(
    'PND_PROFILE_NOT_FOUND',
    `no profile "${name}"; add it before changing it`,
    {
      profile: name,
    },
  );
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
    settings: fromJson(row.settings),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.description !== null) profile.description = row.description;
  return profile;
}
