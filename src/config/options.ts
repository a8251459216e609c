import { readFileSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';

import { pndError } from '../errors.ts';
import { maskUrlValue } from '../redact.ts';
import { LIMIT_FLAGS } from './door-limits.ts';

/**
 * Every setting of `plugndial serve`: one name for the flag (`--name`), the configuration
 * file's key (`"name"`) and the environment variable (`PLUGNDIAL_NAME`). Flags win over the
 * environment, the environment over the file, the file over the default.
 */
export interface ServeOption {
  name: string;
  /** What `config check` shows when nothing sets it; undefined means unset (off, none). */
  default?: string;
  /** Repeatable flag; a list (or a comma-separated string) in the file. */
  multiple?: boolean;
  /** A flag without a value; true or false in the file and the environment. */
  boolean?: boolean;
  /** The value may carry a password (URL userinfo): masked whenever it is shown. */
  secret?: boolean;
  /** Taken up again on SIGHUP; the others need a restart. */
  reloads?: boolean;
}

export const SERVE_OPTIONS: readonly ServeOption[] = [
  { name: 'data-dir', default: 'data' },
  { name: 'database', secret: true },
  { name: 'node' },
  { name: 'public-url', secret: true, reloads: true },
  { name: 'http', default: '80' },
  { name: 'https', default: 'off' },
  { name: 'tftp', default: '69' },
  { name: 'ftp', default: 'off' },
  { name: 'sip', default: '5060' },
  { name: 'acs', default: '7547' },
  { name: 'admin', default: '127.0.0.1:7080' },
  { name: 'tftp-ack-poll', default: '1' },
  { name: 'sip-interface', default: 'auto', multiple: true },
  { name: 'sip-unknown', default: 'pending-answer' },
  { name: 'tls-cert', reloads: true },
  { name: 'tls-key', reloads: true },
  { name: 'client-ca', multiple: true, reloads: true },
  { name: 'ftp-passive-ports' },
  { name: 'trusted-proxies', reloads: true },
  { name: 'miss-limit', default: '20', reloads: true },
  { name: 'miss-window', default: '60', reloads: true },
  { name: 'miss-block', default: '300', reloads: true },
  ...LIMIT_FLAGS.map((name) => ({ name })),
  { name: 'event-retention-days', default: '30', reloads: true },
  { name: 'event-max', default: '1000000', reloads: true },
  { name: 'log-level', default: 'info', reloads: true },
  { name: 'log-format' },
  { name: 'metrics-public', default: 'false', boolean: true, reloads: true },
  { name: 'stop-timeout', default: '30', reloads: true },
];

const BY_NAME = new Map(SERVE_OPTIONS.map((option) => [option.name, option]));

export function serveOption(name: string): ServeOption | undefined {
  return BY_NAME.get(name);
}

/** serve's command line: every setting of SERVE_OPTIONS is a flag. */
export function serveFlags(): NonNullable<ParseArgsConfig['options']> {
  return {
    config: { type: 'string' },
    ...Object.fromEntries(
      SERVE_OPTIONS.map((option) => [
        option.name,
        option.boolean
          ? ({ type: 'boolean' } as const)
          : ({ type: 'string', ...(option.multiple ? { multiple: true } : {}) } as const),
      ]),
    ),
  };
}

/** Parsed flags as text: lists joined with commas, a boolean flag as true. */
export function flagValues(values: Record<string, unknown>): Record<string, string> {
  const flags: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (name !== 'config' && !BY_NAME.has(name)) continue;
    if (typeof value === 'string') flags[name] = value;
    else if (Array.isArray(value)) flags[name] = value.join(',');
    else if (value === true) flags[name] = 'true';
  }
  return flags;
}

export function envName(name: string): string {
  return `PLUGNDIAL_${name.toUpperCase().replace(/-/g, '_')}`;
}

export type ValueSource = 'flag' | 'environment' | 'file' | 'default';

export interface ResolvedValue {
  /** As text, lists comma-separated; undefined when nothing sets it and it has no default. */
  value: string | undefined;
  source: ValueSource;
}

/** Flags as `serve` parsed them (lists joined with commas) and the process environment. */
export interface ConfigSources {
  flags: Record<string, string | undefined>;
  env: NodeJS.ProcessEnv;
}

export interface ResolvedOptions {
  /** The configuration file, when one is named (`--config` or `PLUGNDIAL_CONFIG`). */
  file?: string;
  values: Map<string, ResolvedValue>;
}

/** Where each setting comes from and its text, before any value is checked. */
export function resolveOptions({ flags, env }: ConfigSources): ResolvedOptions {
  const file = flags['config'] ?? env['PLUGNDIAL_CONFIG'];
  const fromFile = file ? readConfigFile(file) : {};
  const values = new Map<string, ResolvedValue>();
  for (const option of SERVE_OPTIONS) {
    const flag = flags[option.name];
    const environment = env[envName(option.name)];
    const inFile = fromFile[option.name];
    values.set(
      option.name,
      flag !== undefined
        ? { value: flag, source: 'flag' }
        : environment !== undefined
          ? { value: environment, source: 'environment' }
          : inFile !== undefined
            ? { value: inFile, source: 'file' }
            : { value: option.default, source: 'default' },
    );
  }
  return { ...(file ? { file } : {}), values };
}

/**
 * Reads the configuration file: one JSON object whose keys are serve's flags without the
 * dashes. An unknown key or a value of the wrong shape is refused with its name, before
 * anything starts; a value's meaning is checked where it is used.
 */
export function readConfigFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw pndError(
      'PND_CONFIG_FILE',
      `cannot read config file ${path} (${code}); check the path and its permissions`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // The parser's own message may quote the text, and the text may hold a password.
    throw pndError(
      'PND_CONFIG_FILE',
      `config file ${path} is not valid JSON${where(text, (error as Error).message)}; docs/configuration.md has an example`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw pndError(
      'PND_CONFIG_FILE',
      `config file ${path}: expected one JSON object of settings, e.g. {"http": "8080"}`,
    );
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    const option = BY_NAME.get(key);
    if (!option) {
      const near = nearest(key);
      throw pndError(
        'PND_CONFIG_UNKNOWN_KEY',
        `config file ${path}: unknown key "${key.slice(0, 60)}"${near ? ` (did you mean "${near}"?)` : ''}; the keys are serve's flags without "--" (docs/configuration.md)`,
      );
    }
    out[key] = fileValue(path, option, value);
  }
  return out;
}

function fileValue(path: string, option: ServeOption, value: unknown): string {
  const wrong = (expected: string): never => {
    throw pndError('PND_CONFIG', `config file ${path}, key "${option.name}": expected ${expected}`);
  };
  if (option.boolean) return typeof value === 'boolean' ? String(value) : wrong('true or false');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (option.multiple && Array.isArray(value)) {
    return value
      .map((item: unknown) =>
        typeof item === 'string' || typeof item === 'number'
          ? String(item)
          : wrong('a list of strings'),
      )
      .join(',');
  }
  return wrong(option.multiple ? 'a string or a list of strings' : 'a string or a number');
}

/** "(line 3, column 14)" from the parser's "position N", when it says one. */
function where(text: string, message: string): string {
  const position = /position (\d+)/.exec(message);
  if (!position) return '';
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
}

/** The known key within two edits of a misspelt one. */
function nearest(key: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const option of SERVE_OPTIONS) {
    const distance = editDistance(key.toLowerCase(), option.name);
    if (distance <= 2 && (!best || distance < best.distance))
      best = { name: option.name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** A value as it may be shown: the password in URL userinfo masked. */
export function shownValue(option: ServeOption, value: string): string {
  return option.secret ? maskUrlValue(value) : value;
}
