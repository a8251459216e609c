import { PlugndialError } from '../errors.ts';
import { isoTimestamp, LAZY, perDialect } from './sql-shapes.ts';
import { sqlStateOf, type SqlClient } from './sql.ts';

// Assignments within one (scope, category) are serialised by a transaction lock, so two
// nodes cannot pick the same second for different contents; the retry is a last resort.
const ATTEMPTS = 5;

const VERSION = perDialect((dialect) => isoTimestamp('version', dialect));

/**
 * The version of one content of (scope, category). A content seen before keeps its version;
 * a new one gets `now` to the second, or one second past the latest version of the category,
 * whichever is later, so versions only grow and never repeat. Rows are never changed, so a
 * node may cache an answer for good.
 */
export async function contentVersion(
  client: SqlClient,
  scope: string,
  category: string,
  sha256: string,
  now: Date,
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      // A lazy commit: a boot storm of Gigaset phones assigns one version per phone, and a
      // sync to disk each would stall every other phone's answer. A version lost with the
      // machine (never with the process) is assigned again, later, after the restart: the
      // phone that kept the lost one fetches its file once more, nothing worse.
      return await client.transaction((tx) => assign(tx, scope, category, sha256, now), LAZY);
    } catch (error) {
      if (sqlStateOf(error) !== '23505' || attempt >= ATTEMPTS) throw error;
    }
  }
}

async function assign(
  tx: SqlClient,
  scope: string,
  category: string,
  sha256: string,
  now: Date,
): Promise<string> {
  const params = [scope, category, sha256];
  // SQLite's writer is one transaction at a time already.
  if (tx.dialect === 'postgres') {
    await tx.query(
      `SELECT pg_advisory_xact_lock(hashtextextended($1::text || '/' || $2::text, 0))`,
      [scope, category],
    );
  }
  const select = `SELECT ${VERSION[tx.dialect]} AS version FROM content_versions
    WHERE scope = $1::text AND category = $2::text AND sha256 = $3::text`;
  const [known] = await tx.query<{ version: string }>(select, params);
  if (known) return known.version;
  const [latest] = await tx.query<{ version: string | null }>(
    `SELECT max(${VERSION[tx.dialect]}) AS version FROM content_versions
     WHERE scope = $1::text AND category = $2::text`,
    [scope, category],
  );
  const version = nextVersion(now, latest?.version ?? undefined);
  // A concurrent insert of the same content makes this one wait, then do nothing.
  const [inserted] = await tx.query<{ version: string }>(
    `INSERT INTO content_versions (scope, category, sha256, version)
     VALUES ($1::text, $2::text, $3::text, $4::timestamptz)
     ON CONFLICT (scope, category, sha256) DO NOTHING
     RETURNING ${VERSION[tx.dialect]} AS version`,
    [...params, version],
  );
  if (inserted) return inserted.version;
  const [winner] = await tx.query<{ version: string }>(select, params);
  if (!winner) {
    throw new PlugndialError('PND_DATABASE', 'database error: a content version was not stored');
  }
  return winner.version;
}

/** `now` cut to the second, or one second after the latest version, whichever is later. */
function nextVersion(now: Date, latest: string | undefined): string {
  const second = Math.floor(now.getTime() / 1000) * 1000;
  const after = latest === undefined ? -Infinity : Date.parse(latest) + 1000;
  return new Date(Math.max(second, after)).toISOString();
}
