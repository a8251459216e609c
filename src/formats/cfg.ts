import { fail, ok, type Result } from '../errors.ts';

/**
 * The `key=value` configuration format and the boot file format that several phone
 * families share. Pure text in, text out; a family's own markers (a first line it wants,
 * a word it writes for "empty") come from its driver.
 */

/** Phones keep these files small; anything larger is not a configuration file. */
export const MAX_FILE_CHARS = 1_048_576;

const MAX_KEY_CHARS = 256;

export interface CfgEntry {
  key: string;
  value: string;
}

export interface CfgRenderOptions {
  /** A line the family wants before anything else, e.g. its format version. */
  firstLine?: string;
  /** Comment lines written after the first line, each as `# text`. */
  comments?: readonly string[];
  /**
   * The word the family writes for an empty value (parseCfg's `emptyValue`): where `key=` is
   * read as "leave it as it is", an empty value must say so to clear the phone's.
   */
  emptyValue?: string;
}

export interface CfgParseOptions {
  /** The word the family writes for an empty value; read back as the empty string. */
  emptyValue?: string;
}

export interface BootRenderOptions extends CfgRenderOptions {
  /** Writes `overwrite_mode = 1`: keys missing from the files fall back to factory values. */
  overwriteMode?: boolean;
}

export interface BootFile {
  includes: string[];
  overwriteMode: boolean;
}

/** A key the format can carry: one token, no `=`, not a comment. */
export function isCfgKey(key: string): boolean {
  return key.length <= MAX_KEY_CHARS && /^[^\s=#][^\s=]*$/.test(key) && !hasControl(key);
}

/** A value on one line: CR and LF would start a new line, i.e. inject a key. */
export function cfgValue(value: string): string {
  return value.replace(/[\r\n]/g, '');
}

/** Renders entries in order; entries whose key the format cannot carry are left out. */
export function renderCfg(entries: readonly CfgEntry[], options: CfgRenderOptions = {}): string {
  const lines = header(options);
  const empty = options.emptyValue ?? '';
  for (const { key, value } of entries) {
    if (isCfgKey(key)) lines.push(`${key}=${value === '' ? empty : cfgValue(value)}`);
  }
  return lines.map((line) => `${line}\n`).join('');
}

/**
 * Reads `key=value` lines: `#` comments and blank lines are skipped, CRLF is accepted,
 * keys and values are trimmed, the family's empty word is empty and a later duplicate wins.
 */
export function parseCfg(text: string, options: CfgParseOptions = {}): Result<Map<string, string>> {
  if (text.length > MAX_FILE_CHARS) {
    return fail('PND_INVALID_CFG', `the file is larger than ${MAX_FILE_CHARS} characters`);
  }
  const values = new Map<string, string>();
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq).trim() : '';
    if (!isCfgKey(key)) {
      return fail('PND_INVALID_CFG', `line ${i + 1}: expected key=value`, { line: i + 1 });
    }
    const value = line.slice(eq + 1).trim();
    values.set(key, value === options.emptyValue ? '' : value);
  }
  return ok(values);
}

/** Renders a boot file: one `include:config "<name>"` per file, fetched top to bottom. */
export function renderBoot(includes: readonly string[], options: BootRenderOptions = {}): string {
  const lines = header(options);
  for (const name of includes) {
    const clean = name.replace(/[\r\n"<>]/g, '');
    // A blank name is no file: readers refuse `include:config " "`, and with it the boot file.
    if (clean.trim() !== '') lines.push(`include:config "${clean}"`);
  }
  if (options.overwriteMode) lines.push('overwrite_mode = 1');
  return lines.map((line) => `${line}\n`).join('');
}

const INCLUDE = /^include:config\s*(?:<([^<>]*)>|"([^"]*)")$/i;
const OVERWRITE = /^overwrite_mode\s*=\s*(\S*)$/i;

/**
 * Reads a boot file: `include:config <x.cfg>` and `include:config "x.cfg"` (relative or
 * absolute), `overwrite_mode = 0|1`, `#` comments. Other `key=value` lines are settings
 * of the boot file itself that no caller needs yet, and are skipped.
 */
export function parseBoot(text: string): Result<BootFile> {
  if (text.length > MAX_FILE_CHARS) {
    return fail('PND_INVALID_BOOT', `the file is larger than ${MAX_FILE_CHARS} characters`);
  }
  const includes: string[] = [];
  let overwriteMode = false;
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const include = INCLUDE.exec(line);
    if (include) {
      const name = (include[1] ?? include[2] ?? '').trim();
      if (name === '') {
        return fail('PND_INVALID_BOOT', `line ${i + 1}: include:config names no file`, {
          line: i + 1,
        });
      }
      includes.push(name);
      continue;
    }
    const overwrite = OVERWRITE.exec(line);
    if (overwrite) {
      const flag = overwrite[1];
      if (flag !== '0' && flag !== '1' && flag !== '') {
        return fail('PND_INVALID_BOOT', `line ${i + 1}: overwrite_mode must be 0 or 1`, {
          line: i + 1,
        });
      }
      overwriteMode = flag === '1';
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0 && isCfgKey(line.slice(0, eq).trim())) continue;
    return fail(
      'PND_INVALID_BOOT',
      `line ${i + 1}: expected include:config <file.cfg> or include:config "file.cfg"`,
      { line: i + 1 },
    );
  }
  return ok({ includes, overwriteMode });
}

function header(options: CfgRenderOptions): string[] {
  const lines = options.firstLine === undefined ? [] : [options.firstLine];
  for (const comment of options.comments ?? []) {
    for (const part of comment.split(/\r\n|\r|\n/)) lines.push(part === '' ? '#' : `# ${part}`);
  }
  return lines;
}

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function splitLines(text: string): string[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  return body.split(/\r\n|\r|\n/);
}
