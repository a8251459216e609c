import { PlugndialError } from '../errors.ts';
import { isoTimestamp } from './sql-shapes.ts';
import { sqlStateOf, type SqlClient } from './sql.ts';

// Assignments within one (scope, category) are serialised by a transaction lock, so two
// nodes cannot pick the same second for different contents; the retry is a last resort.
const ATTEMPTS = 5;

const VERSION = isoTimestamp('version');

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
      return await client.transaction((tx) => assign(tx, scope, category, sha256, now));
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
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1::text || '/' || $2::text, 0))`, [
    scope,
    category,
  ]);
  const select = `SELECT ${VERSION} AS version FROM content_versions
    WHERE scope = $1::text AND category = $2::text AND sha256 = $3::text`;
  const [known] = await tx.query<{ version: string }>(select, params);
  if (known) return known.version;
  // A concurrent insert of the same content makes this one wait, then do nothing.
  const [inserted] = await tx.query<{ version: string }>(
    `INSERT INTO content_versions (scope, category, sha256, version)
     SELECT $1::text, $2::text, $3::text,
            greatest(date_trunc('second', $4::timestamptz), max(version) + interval '1 second')
     FROM content_versions WHERE scope = $1::text AND category = $2::text
     ON CONFLICT (scope, category, sha256) DO NOTHING
     RETURNING ${VERSION} AS version`,
    [...params, now.toISOString()],
  );
  if (inserted) return inserted.version;
  const [winner] = await tx.query<{ version: string }>(select, params);
  if (!winner) {
    throw new PlugndialError('PND_DATABASE', 'database error: a content version was not stored');
  }
  return winner.version;
}
