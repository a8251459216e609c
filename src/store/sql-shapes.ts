import { PlugndialError } from '../errors.ts';

/**
 * A timestamptz column as ISO-8601 UTC text with milliseconds, the form the model uses.
 * Converting in SQL keeps PGlite and node-postgres from each parsing dates their own way.
 */
export function isoTimestamp(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
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
