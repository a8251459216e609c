import { closeSync, fstatSync, openSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';

import { pndError } from '../errors.ts';
import { DEFAULT_DATA_DIR } from '../config/data-dir.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every management command accepts, anywhere on its command line. */
export const COMMON_OPTIONS = {
  'data-dir': { type: 'string' },
  database: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parse(args: string[], options: Options): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...COMMON_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Parsed['values'], positionals };
  } catch (error) {
    throw pndError(
      'PND_INVALID_ARGUMENT',
      (error as Error).message.replace(/\. To specify.*$/s, ''),
    );
  }
}

export function dataDirOf(values: Parsed['values']): { dataDir: string; databaseUrl?: string } {
  const dataDir =
    (values['data-dir'] as string | undefined) ??
    process.env['PLUGNDIAL_DATA_DIR'] ??
    DEFAULT_DATA_DIR;
  const databaseUrl =
    (values['database'] as string | undefined) ?? process.env['PLUGNDIAL_DATABASE'];
  return { dataDir, ...(databaseUrl ? { databaseUrl } : {}) };
}

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : [];
}

/** `--set key=value` pairs into an object; the API validates them. */
export function assignments(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const text of strings(value)) {
    const eq = text.indexOf('=');
    if (eq <= 0)
      throw pndError(
        'PND_INVALID_SETTING',
        `--set "${text.split('=')[0]?.slice(0, 60)}": expected key=value`,
      );
    out[text.slice(0, eq).trim()] = text.slice(eq + 1);
  }
  return out;
}

/**
 * A local file the command will send, opened once to be sure it can be read (a file the
 * user may not read would otherwise fail half way, as the server's fault): its size.
 */
export function readableFile(local: string): number {
  let fd: number;
  try {
    fd = openSync(local, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw pndError('PND_INVALID_ARGUMENT', `cannot read ${local} (${code}): not a readable file`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw pndError('PND_INVALID_ARGUMENT', `cannot read ${local}: not a file`);
    return stat.size;
  } finally {
    closeSync(fd);
  }
}

export function need(positionals: string[], index: number, what: string, usage: string): string {
  const value = positionals[index];
  if (value === undefined)
    throw pndError('PND_INVALID_ARGUMENT', `missing ${what}; usage: ${usage}`);
  return value;
}

/**
 * The one operand an action takes (a MAC, a profile name), and no other: a word more is a
 * mistake the command would otherwise pass over, as `device set MAC key=value` without
 * `--set` would change nothing and say "updated".
 */
export function onlyOperand(positionals: string[], what: string, usage: string): string {
  const value = need(positionals, 1, what, usage);
  const extra = positionals[2];
  if (extra !== undefined) {
    const hint = /^[a-z][\w.]*=/i.test(extra) ? `; to change a setting: --set ${extra}` : '';
    throw pndError(
      'PND_INVALID_ARGUMENT',
      `unexpected "${extra.slice(0, 80)}" after the ${what}${hint}; usage: ${usage}`,
    );
  }
  return value;
}

/** Prints rows as aligned columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
