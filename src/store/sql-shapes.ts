import { PlugndialError } from '../errors.ts';
import type { Dialect, TransactionOptions } from './sql.ts';

/**
 * A time column as ISO-8601 UTC text with milliseconds, the form the model uses. SQLite keeps
 * times in that form already; PostgreSQL's timestamptz is converted in SQL, so node-postgres
 * does not parse it into a Date on the way.
 */
export function isoTimestamp(column: string, dialect: Dialect): string {
  if (dialect === 'sqlite') return column;
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** Bookkeeping's transactions: their commits may reach the disk a moment later (sql.ts). */
export const LAZY: TransactionOptions = { lazyCommit: true };

/** A text built for each engine, e.g. a column list with isoTimestamp. */
export function perDialect(build: (dialect: Dialect) => string): Record<Dialect, string> {
  return { postgres: build('postgres'), sqlite: build('sqlite') };
}

/** `OFFSET n` without a limit: SQLite takes an OFFSET only after a LIMIT, and -1 is none. */
export function offsetOnly(dialect: Dialect, offset: string): string {
  return dialect === 'sqlite' ? `LIMIT -1 OFFSET ${offset}` : `OFFSET ${offset}`;
}

/** One statement's text for each engine, where they differ in more than casts and row locks. */
export interface DialectText {
  postgres: string;
  sqlite: string;
}

/** A JSON column as the model's value: node-postgres parses jsonb, SQLite hands back text. */
export function fromJson<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

/** The form toISOString writes, which is how SQLite's columns hold every time written here. */
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A timestamptz as the driver returned it (a Date, or text), in the form of isoTimestamp. */
export function isoOf(value: Date | string): string {
  // Text already in that form is returned as it is: parsing and formatting two times a row
  // cost a third of reading a device.
  if (typeof value === 'string' && ISO_UTC.test(value)) return value;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** What a configuration change did inside its transaction: its result and the keys it touched. */
export interface ConfigOutcome<T> {
  result: T;
  keys: string[];
}

/** A limit, offset or count from a caller: a whole number of 0 or more. */
export function wholeNumber(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new PlugndialError(
      'PND_INVALID_ARGUMENT',
      `${name} must be a whole number of 0 or more, not ${value}`,
    );
  }
  return value;
}

/** A filter on an event log: by MAC, `since` inclusive, `until` exclusive, newest `limit`. */
export interface LogFilter {
  mac?: string;
  /** Security events only: of this kind. */
  kind?: string;
  since?: string;
  until?: string;
  /** Only rows written after the one of this id: a live tail's cursor. */
  afterId?: number;
  limit?: number;
}

/**
 * The WHERE clause and parameters for a LogFilter; the limit is the last parameter, so the
 * caller writes `LIMIT $${params.length}::int`.
 */
export function logFilter(
  filter: LogFilter,
  limits: { default: number; max: number },
): { where: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (condition: string, value: unknown): void => {
    params.push(value);
    conditions.push(condition.replace('?', `$${params.length}`));
  };
  if (filter.mac !== undefined) add('mac = ?::text', filter.mac);
  if (filter.kind !== undefined) add('kind = ?::text', filter.kind);
  if (filter.since !== undefined) add('at >= ?::timestamptz', filter.since);
  if (filter.until !== undefined) add('at < ?::timestamptz', filter.until);
  if (filter.afterId !== undefined) add('id > ?::bigint', wholeNumber(filter.afterId, 'after'));
  params.push(Math.min(wholeNumber(filter.limit ?? limits.default, 'limit'), limits.max));
  return { where: conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '', params };
}
