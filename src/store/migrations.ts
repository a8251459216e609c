import { PlugndialError } from '../errors.ts';
import { POSTGRES_MIGRATIONS } from './migrations-postgres.ts';
import { SQLITE_MIGRATIONS } from './migrations-sqlite.ts';
import type { Migration } from './migration.ts';
import type { Dialect, SqlClient } from './sql.ts';

/**
 * Each engine's migrations, ordered and append-only: a released migration is never edited, a
 * new one is added to both lists with the same version, so a schema version means the same
 * tables on either engine (and in an archive). SQLite's list begins at the schema PostgreSQL
 * reached in version 8, when SQLite became the embedded engine.
 */
export function migrationsFor(dialect: Dialect): readonly Migration[] {
  return dialect === 'sqlite' ? SQLITE_MIGRATIONS : POSTGRES_MIGRATIONS;
}

/** The schema version this plugndial writes. */
export function schemaVersion(dialect: Dialect): number {
  return Math.max(0, ...migrationsFor(dialect).map((migration) => migration.version));
}

// Any constant shared by every plugndial node; it keys the advisory lock on migrations.
const MIGRATION_LOCK = 0x706e6421;

/**
 * Brings the schema up to date in one transaction. On PostgreSQL an advisory lock makes
 * nodes that start together apply each migration once, one after the other.
 */
export async function migrate(
  client: SqlClient,
  migrations: readonly Migration[] = migrationsFor(client.dialect),
): Promise<number> {
  return client.transaction(async (tx) => {
    if (client.dialect === 'postgres')
      await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version int PRIMARY KEY,
      name text NOT NULL,
      applied_at ${client.dialect === 'postgres' ? 'timestamptz NOT NULL DEFAULT now()' : 'text NOT NULL'}
    )`);
    const rows = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => row.version));
    const latest = Math.max(0, ...migrations.map((migration) => migration.version));
    const newest = Math.max(0, ...applied);
    if (newest > latest) {
      throw new PlugndialError(
        'PND_DATABASE',
        `the database schema is at version ${newest} but this plugndial knows only up to ${latest}; upgrade plugndial on this node`,
      );
    }
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1::int, $2::text, $3::timestamptz)',
        [migration.version, migration.name, new Date().toISOString()],
      );
    }
    return latest;
  });
}
