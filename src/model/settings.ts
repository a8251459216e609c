import { fail, ok, type Result } from '../errors.ts';
import { maskUserinfo } from '../redact.ts';
import { inUrlCharacters } from './url-characters.ts';
import { parseCidr } from './cidr.ts';
import {
  SETTINGS_SCHEMA,
  type SettingKind,
  type Settings,
  type SettingSpec,
  type SettingValue,
} from './settings-schema.ts';

/**
 * Canonical settings: values parsed and validated against the schema (settings-schema.ts),
 * native keys recognised, secrets masked. The schema's names are exported here too, so a
 * caller imports settings from one place.
 */
export {
  ACCESS_POLICIES,
  DATE_FORMATS,
  KEY_TYPES,
  SETTINGS_SCHEMA,
  type AccessPolicy,
  type Settings,
  type SettingSpec,
  type SettingValue,
} from './settings-schema.ts';

const NATIVE = /^native\.([a-z][a-z0-9_-]*)\.(\S{1,200})$/;
const INDEX_MAX = 64;

interface Compiled {
  spec: SettingSpec;
  regex: RegExp;
}

const COMPILED: Compiled[] = SETTINGS_SCHEMA.map((spec) => ({
  spec,
  regex: new RegExp(
    '^' +
      spec.pattern.replace(/\./g, '\\.').replace(/(^|\\\.)N(?=\\\.|$)/g, '$1([1-9][0-9]?)') +
      '$',
  ),
}));

/** The spec for a concrete key, or undefined for an unknown key (native keys have no spec). */
export function specFor(key: string): SettingSpec | undefined {
  for (const { spec, regex } of COMPILED) {
    const match = regex.exec(key);
    if (match && match.slice(1).every((n) => Number(n) <= INDEX_MAX)) return spec;
  }
  return undefined;
}

export function isNativeKey(key: string): boolean {
  return NATIVE.test(key);
}

export function nativeKey(key: string): { driver: string; vendorKey: string } | undefined {
  const match = NATIVE.exec(key);
  return match ? { driver: match[1]!, vendorKey: match[2]! } : undefined;
}

export function isSecretKey(key: string): boolean {
  const type = specFor(key)?.kind.type;
  if (type === 'secret' || type === 'aes_key') return true;
  // Native keys carrying credentials are secret too: a vendor's password field is still a password.
  return (
    isNativeKey(key) &&
    /(pass|pswd|pwd|secret|aes_key|key\.com|key\.mac|token|encryption.?key|cfg.?file.?key)/i.test(
      key,
    )
  );
}

function allowedKeysHint(): string {
  const namespaces = [...new Set(SETTINGS_SCHEMA.map((s) => s.pattern.split('.')[0]))];
  return `known namespaces: ${namespaces.join(', ')}, native.<driver>.<vendor key>; see "plugndial settings" for every key`;
}

const HOST =
  /^(?=.{1,253}$)(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*)$/i;

// A catalogue model and version, e.g. `W56H=61.87.0.5`.
const MODEL_VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}=[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

function isIndex(text: string): boolean {
  return /^[1-9][0-9]?$/.test(text) && Number(text) <= INDEX_MAX;
}

/** `sip:1001@10.0.0.23:5060`, `1001@pbx.example.com`, `10.0.0.23` or `[2001:db8::1]:5062`. */
function isSipAddress(text: string): boolean {
  const match =
    /^(?:sips?:)?(?:([A-Za-z0-9._~!$&'()*+,=%-]{1,128})@)?([^@:\s]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/i.exec(
      text,
    );
  if (!match || !HOST.test(match[2]!)) return false;
  const port = match[3] === undefined ? 5060 : Number(match[3]);
  return port >= 1 && port <= 65535;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return name.includes('/') || name === 'UTC';
  } catch {
    return false;
  }
}

function describeKind(kind: SettingKind): string {
  switch (kind.type) {
    case 'bool':
      return 'true or false';
    case 'int':
      return `a whole number from ${kind.min} to ${kind.max}`;
    case 'enum':
      return `one of: ${kind.values.join(', ')}`;
    case 'host':
      return 'a host name or IP address';
    case 'sip_address':
      return 'a SIP address: sip:user@host[:port], user@host or host[:port]';
    case 'url':
      return 'an absolute URL (http, https, tftp or ftp), spaces and quotes percent-encoded';
    case 'list':
      switch (kind.item) {
        case 'cidr':
          return `a comma-separated list of up to ${kind.max ?? 8} networks such as 10.0.0.0/8 or 2001:db8::/32`;
        case 'index':
          return `a comma-separated list of up to ${kind.max ?? 8} numbers from 1 to ${INDEX_MAX}, e.g. 1,3`;
        case 'model_version':
          return `a comma-separated list of up to ${kind.max ?? 8} MODEL=VERSION items, e.g. W56H=61.87.0.5`;
        default:
          return 'a comma-separated list of host names';
      }
    case 'timezone':
      return 'an IANA time zone name such as Europe/Berlin or America/New_York';
    case 'language':
      return 'a language tag such as en, de or zh-CN';
    case 'aes_key':
      return '16 printable characters without spaces, or 64 hex digits';
    case 'file_name':
      return 'a file name of letters, digits, ".", "_" and "-", e.g. office or office.cfg';
    case 'served_path':
      return 'a relative path of a stored file without "..", e.g. certs/ca.pem';
    case 'dial_string':
      return 'a number, extension or address as dialled: digits, letters and * # + . _ - , : @ (at most 256), e.g. 203, *97 or 224.0.1.116:5001';
    case 'secret':
      return 'text on one line of at most 256 characters, without tabs and without spaces at either end';
    case 'string':
      return 'text on one line';
  }
}

/**
 * How a refused value is named in its error: quoted, so the operator sees the typo, except
 * a secret's, and a URL's userinfo (the credentials some phones are handed in it), which are
 * never shown; a URL-like value whose userinfo cannot be told apart is not quoted at all.
 */
function shownInvalid(kind: SettingKind, raw: unknown): string {
  if (kind.type === 'secret' || kind.type === 'aes_key') return 'invalid value';
  let shown = asText(raw);
  if (kind.type === 'url' && shown.includes('@')) {
    const masked = maskUserinfo(shown);
    if (masked === shown) return 'invalid value';
    shown = masked;
  }
  return `"${shown.slice(0, 60)}" is not valid`;
}

/** Control characters but the tab: each ends the line or the string a value is written into. */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/** Validates a value given as text (CLI, CSV) or as JSON (API) and returns its typed form. */
export function parseSetting(key: string, raw: unknown): Result<SettingValue> {
  if (isNativeKey(key)) {
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      return fail('PND_INVALID_SETTING', `${key}: a native value must be text`, { key });
    }
    const text = String(raw);
    // A tab is kept (some files align with it); any other control character would end the
    // line or the string it is written into.
    if (CONTROL.test(text))
      return fail(
        'PND_INVALID_SETTING',
        `${key}: a value cannot span lines or hold control characters`,
        { key },
      );
    return ok(text);
  }
  const spec = specFor(key);
  if (!spec) {
    return fail(
      'PND_UNKNOWN_SETTING',
      `unknown setting "${key.slice(0, 100)}"; ${allowedKeysHint()}`,
      { key },
    );
  }
  const bad = (): Result<SettingValue> =>
    fail(
      'PND_INVALID_SETTING',
      `${key}: ${shownInvalid(spec.kind, raw)}; expected ${describeKind(spec.kind)}`,
      { key },
    );
  const kind = spec.kind;
  if (kind.type === 'list') {
    const items = Array.isArray(raw)
      ? raw.map(asText)
      : typeof raw === 'string'
        ? raw
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined;
    if (!items || items.length === 0 || items.length > (kind.max ?? 8)) return bad();
    if (kind.item === 'host' && !items.every((h) => HOST.test(h))) return bad();
    if (kind.item === 'index' && !items.every(isIndex)) return bad();
    if (kind.item === 'model_version' && !items.every((i) => MODEL_VERSION.test(i))) return bad();
    if (kind.item === 'cidr') {
      const networks = items.map(parseCidr);
      return networks.every((n) => n !== undefined) ? ok(networks as string[]) : bad();
    }
    return ok(items);
  }
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') return bad();
  const text = String(raw).trim();
  if (CONTROL.test(text)) return bad();
  switch (kind.type) {
    case 'bool':
      if (/^(true|1|yes|on|enabled?)$/i.test(text)) return ok(true);
      if (/^(false|0|no|off|disabled?)$/i.test(text)) return ok(false);
      return bad();
    case 'int': {
      if (!/^-?\d+$/.test(text)) return bad();
      const n = Number(text);
      return n >= kind.min && n <= kind.max ? ok(n) : bad();
    }
    case 'enum':
      return kind.values.includes(text) ? ok(text) : bad();
    case 'host':
      return HOST.test(text) ? ok(text) : bad();
    case 'sip_address':
      return isSipAddress(text) ? ok(text) : bad();
    case 'url':
      try {
        const url = new URL(text);
        return inUrlCharacters(text) && /^(https?|tftp|ftps?):$/.test(url.protocol)
          ? ok(text)
          : bad();
      } catch {
        return bad();
      }
    case 'timezone':
      return isTimeZone(text) ? ok(text) : bad();
    case 'language':
      return /^[a-z]{2,3}(-[A-Za-z]{2,4})?$/.test(text) ? ok(text) : bad();
    case 'string':
      return text.length <= (kind.max ?? 1024) ? ok(text) : bad();
    case 'secret':
      // Kept as given, but phones' files trim what surrounds a value: a password that begins
      // or ends in a space would be another password on the phone than on the PBX.
      return String(raw) === text && text.length <= 256 && !text.includes('\t') ? ok(text) : bad();
    case 'aes_key':
      return /^([\x21-\x7e]{16}|[0-9a-fA-F]{64})$/.test(text) ? ok(text) : bad();
    case 'file_name':
      return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(text) && !text.includes('..')
        ? ok(text)
        : bad();
    case 'dial_string':
      // Written into each vendor's key syntax (Cisco `sub=…@$PROXY;nme=…`, Snom `multicast …`):
      // a ; = / space or quote there would start another field. An address (user@host, a
      // paging group's IP:port) is a key's value too; a driver that cannot write one says so.
      return /^[A-Za-z0-9*#+._,:@-]{1,256}$/.test(text) ? ok(text) : bad();
    case 'served_path':
      return text.length <= 512 &&
        text
          .split('/')
          .every((part) => /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(part) && part !== '..')
        ? ok(text)
        : bad();
  }
}

/**
 * String(raw), which throws for an object whose own `toString` and `valueOf` are no functions
 * (`{"toString": 1}` from JSON): such a value reads as `[object Object]`, like any other object.
 */
function asText(raw: unknown): string {
  try {
    return String(raw);
  } catch {
    return Object.prototype.toString.call(raw);
  }
}

/** Parses `key=value` as given on a command line. */
export function parseAssignment(text: string): Result<{ key: string; value: SettingValue }> {
  const eq = text.indexOf('=');
  if (eq <= 0) {
    return fail('PND_INVALID_SETTING', `"${text.split('=')[0]?.slice(0, 60)}": expected key=value`);
  }
  const key = text.slice(0, eq).trim();
  const parsed = parseSetting(key, text.slice(eq + 1));
  return parsed.ok ? { ok: true, value: { key, value: parsed.value } } : parsed;
}

/** Validates a whole settings object; the first bad key fails it. */
export function validateSettings(input: Record<string, unknown>): Result<Settings> {
  const out: Settings = {};
  for (const [key, raw] of Object.entries(input)) {
    const parsed = parseSetting(key, raw);
    if (!parsed.ok) return parsed;
    out[key] = parsed.value;
  }
  return ok(out);
}

/** Built-in defaults for keys that have one and no index. */
export function schemaDefaults(): Settings {
  const out: Settings = {};
  for (const spec of SETTINGS_SCHEMA) {
    if (spec.default !== undefined && !spec.pattern.includes('.N.'))
      out[spec.pattern] = spec.default;
  }
  return out;
}

/** Replaces secret values by a fixed mask, for lists, logs and events. */
export function redactSettings(settings: Settings): Settings {
  const out: Settings = {};
  for (const [key, value] of Object.entries(settings))
    out[key] = isSecretKey(key) ? '********' : value;
  return out;
}

export function settingToText(value: SettingValue): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** The 1-based indexes present for a repeated group, e.g. accountIndexes(s, 'accounts') → [1, 2]. */
export function groupIndexes(
  settings: Settings,
  group: 'accounts' | 'keys' | 'handsets',
): number[] {
  const found = new Set<number>();
  const prefix = `${group}.`;
  for (const key of Object.keys(settings)) {
    if (!key.startsWith(prefix)) continue;
    const n = Number(key.slice(prefix.length).split('.')[0]);
    if (Number.isInteger(n) && n > 0) found.add(n);
  }
  return [...found].sort((a, b) => a - b);
}

/** Patterns of a driver's tables by index, spelt once each (indexes are 1…99, see the specs). */
const SPELT = new Map<string, string[]>();
const SPELT_INDEXES = 100;

/**
 * A key pattern with its `N` segments for index `n`: `accounts.N.user` → `accounts.2.user`.
 * Renders spell every rule of a table for every account or key: kept once spelt.
 */
export function indexedKey(pattern: string, n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= SPELT_INDEXES) return spellIndex(pattern, n);
  let byIndex = SPELT.get(pattern);
  if (!byIndex) SPELT.set(pattern, (byIndex = []));
  return (byIndex[n] ??= spellIndex(pattern, n));
}

/**
 * The setting a mapping rule of index `n` takes its value from: `from`'s, else the stand-in's
 * (`otherwise`) when `from` is unset; undefined when neither is set. Most rules of a render
 * find no setting, so only the keys looked up are spelt.
 */
export function sourceSetting(
  settings: Settings,
  from: string,
  otherwise: string | undefined,
  n: number,
): { key: string; value: SettingValue; standIn: boolean } | undefined {
  const key = indexedKey(from, n);
  const value = settings[key];
  if (value !== undefined) return { key, value, standIn: false };
  if (otherwise === undefined) return undefined;
  const standIn = indexedKey(otherwise, n);
  const standInValue = settings[standIn];
  return standInValue === undefined
    ? undefined
    : { key: standIn, value: standInValue, standIn: true };
}

function spellIndex(pattern: string, n: number): string {
  return pattern.replace(/(^|\.)N(?=\.|$)/g, `$1${n}`);
}
