import { fail, ok, type Result } from '../errors.ts';
import { parseCidr } from './cidr.ts';

/**
 * Canonical settings: vendor-neutral dotted keys validated by one schema.
 * `accounts.N.*` and `keys.N.*` are 1-based. `native.<driver>.<vendor key>` is passed
 * through verbatim to that driver.
 */
export type SettingValue = string | number | boolean | string[];
export type Settings = Record<string, SettingValue>;

type Kind =
  | { type: 'string'; max?: number }
  | { type: 'secret' }
  | { type: 'host' }
  | { type: 'url' }
  | { type: 'int'; min: number; max: number }
  | { type: 'bool' }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'list'; item: 'host' | 'string' | 'cidr' | 'index' | 'model_version'; max?: number }
  | { type: 'timezone' }
  | { type: 'language' }
  | { type: 'aes_key' }
  | { type: 'file_name' }
  | { type: 'served_path' }
  | { type: 'sip_address' };

export interface SettingSpec {
  /** The key pattern, with `N` for a 1-based index. */
  pattern: string;
  kind: Kind;
  description: string;
  default?: SettingValue;
}

const port = { type: 'int', min: 1, max: 65535 } as const;
const seconds = { type: 'int', min: 0, max: 31_536_000 } as const;

export const DATE_FORMATS = [
  'WWW MMM DD',
  'DD-MMM-YY',
  'YYYY-MM-DD',
  'DD/MM/YYYY',
  'MM/DD/YY',
  'DD MMM YYYY',
  'WWW DD MMM',
] as const;

/** `provisioning.access`: who may fetch a device's files (provisioning/access.ts). */
export const ACCESS_POLICIES = [
  'open',
  'networks',
  'shared-credentials',
  'device-credentials',
  'client-certificate',
] as const;
export type AccessPolicy = (typeof ACCESS_POLICIES)[number];

export const KEY_TYPES = [
  'none',
  'line',
  'speed_dial',
  'blf',
  'dnd',
  'pickup',
  'group_pickup',
  'call_park',
  'intercom',
  'dtmf',
  'paging',
  'private_hold',
] as const;

export const SETTINGS_SCHEMA: readonly SettingSpec[] = [
  { pattern: 'accounts.N.enabled', kind: { type: 'bool' }, description: 'register this account' },
  {
    pattern: 'accounts.N.label',
    kind: { type: 'string', max: 64 },
    description: 'label on the phone screen',
  },
  {
    pattern: 'accounts.N.display_name',
    kind: { type: 'string', max: 64 },
    description: 'caller name sent in From',
  },
  {
    pattern: 'accounts.N.user',
    kind: { type: 'string', max: 128 },
    description: 'SIP user (extension)',
  },
  {
    pattern: 'accounts.N.auth_user',
    kind: { type: 'string', max: 128 },
    description: 'authentication name; defaults to the user',
  },
  {
    pattern: 'accounts.N.password',
    kind: { type: 'secret' },
    description: 'SIP authentication password',
  },
  {
    pattern: 'accounts.N.registrar',
    kind: { type: 'host' },
    description: 'SIP server host name or address',
  },
  {
    pattern: 'accounts.N.registrar_port',
    kind: port,
    description: 'SIP server port',
    default: 5060,
  },
  {
    pattern: 'accounts.N.transport',
    kind: { type: 'enum', values: ['udp', 'tcp', 'tls'] },
    description: 'SIP transport',
  },
  {
    pattern: 'accounts.N.outbound_proxy',
    kind: { type: 'host' },
    description: 'outbound proxy host',
  },
  { pattern: 'accounts.N.outbound_proxy_port', kind: port, description: 'outbound proxy port' },
  {
    pattern: 'time.timezone',
    kind: { type: 'timezone' },
    description: 'IANA time zone, e.g. Europe/Berlin',
  },
  {
    pattern: 'time.ntp_servers',
    kind: { type: 'list', item: 'host' },
    description: 'NTP servers, comma separated',
  },
  {
    pattern: 'time.time_format',
    kind: { type: 'enum', values: ['12h', '24h'] },
    description: 'clock format',
  },
  {
    pattern: 'time.date_format',
    kind: { type: 'enum', values: DATE_FORMATS },
    description: 'date format',
  },
  {
    pattern: 'locale.language',
    kind: { type: 'language' },
    description: 'BCP 47 language tag, e.g. en, de, zh-CN',
  },
  {
    pattern: 'phonebook.url',
    kind: { type: 'url' },
    description: 'phonebook URL given to the phone; defaults to the contact list plugndial serves',
  },
  {
    pattern: 'phonebook.name',
    kind: { type: 'string', max: 64 },
    description: 'phonebook title on the phone',
  },
  {
    pattern: 'phonebook.format',
    kind: { type: 'enum', values: ['xml', 'vcf', 'csv'] },
    description: 'phonebook file format where the phone takes several (Fanvil; default vcf)',
  },
  {
    pattern: 'firmware.version',
    kind: { type: 'string', max: 64 },
    description: 'target firmware version',
  },
  {
    pattern: 'firmware.url',
    kind: { type: 'url' },
    description: 'firmware image URL given to the phone',
  },
  {
    pattern: 'firmware.accessories',
    kind: { type: 'list', item: 'model_version', max: 16 },
    description:
      'firmware for what is attached to the phone (DECT handsets, expansion modules): catalogue images as MODEL=VERSION, comma separated, e.g. W56H=61.87.0.5,W73H=116.87.0.5',
  },
  {
    pattern: 'provisioning.url',
    kind: { type: 'url' },
    description: 'provisioning server URL the phone keeps; defaults to the door it used',
  },
  {
    pattern: 'provisioning.resync_interval',
    kind: seconds,
    description: 'periodic resync, seconds (0 = off)',
    default: 3600,
  },
  {
    pattern: 'provisioning.resync_on_reset',
    kind: { type: 'bool' },
    description: 'resync after power on',
    default: true,
  },
  {
    pattern: 'provisioning.random_delay',
    kind: seconds,
    description: 'random delay before a resync, seconds',
    default: 40,
  },
  {
    pattern: 'provisioning.retry_delay',
    kind: seconds,
    description: 'delay after a failed resync, seconds',
    default: 3600,
  },
  {
    pattern: 'provisioning.forced_resync_delay',
    kind: seconds,
    description: 'forced resync delay, seconds',
    default: 14400,
  },
  {
    pattern: 'provisioning.resync_from_sip',
    kind: { type: 'bool' },
    description: 'accept check-sync NOTIFY',
    default: true,
  },
  {
    pattern: 'provisioning.pnp',
    kind: { type: 'bool' },
    description: 'SIP plug-and-play discovery on the phone',
    default: true,
  },
  {
    pattern: 'provisioning.dhcp_option_66',
    kind: { type: 'bool' },
    description: 'phone uses DHCP option 66',
    default: true,
  },
  {
    pattern: 'provisioning.username',
    kind: { type: 'string', max: 128 },
    description: 'user the phone presents to the provisioning server',
  },
  {
    pattern: 'provisioning.password',
    kind: { type: 'secret' },
    description: 'password the phone presents to the provisioning server',
  },
  {
    pattern: 'provisioning.auth_method',
    kind: { type: 'enum', values: ['basic', 'digest'] },
    description: 'HTTP authentication the phone uses',
  },
  {
    pattern: 'provisioning.access',
    kind: { type: 'enum', values: ACCESS_POLICIES },
    description:
      'who may fetch files: open, networks (provisioning.networks), shared-credentials (provisioning.username/password), device-credentials (generated per device), client-certificate (HTTPS, --client-ca)',
    default: 'open',
  },
  {
    pattern: 'provisioning.networks',
    kind: { type: 'list', item: 'cidr', max: 64 },
    description:
      'networks allowed by the networks policy, e.g. 10.0.0.0/8,2001:db8::/32; with a credentials policy, where the first-contact window is open',
  },
  {
    pattern: 'provisioning.first_contact_window',
    kind: seconds,
    description:
      'credentials policies: how long after its first fetch a never-provisioned device may fetch without credentials, until its credentials are delivered (0 = never)',
    default: 600,
  },
  {
    pattern: 'provisioning.credential_grace',
    kind: seconds,
    description: 'after a credentials rotation, how long the old password is still accepted',
    default: 604_800,
  },
  {
    pattern: 'provisioning.digest_algorithms',
    kind: { type: 'enum', values: ['sha-256,md5', 'md5,sha-256', 'sha-256', 'md5'] },
    description: 'HTTP Digest algorithms offered, preferred first (qop=auth)',
    default: 'sha-256,md5',
  },
  {
    pattern: 'provisioning.config_format',
    kind: { type: 'enum', values: ['text', 'xml', 'p-values', 'binary'] },
    description:
      'configuration file form where the phone reads several: text or xml (Fanvil, Plug-n-Dial); p-values (Grandstream XML in P-values, not aliases) or binary (Grandstream: also the legacy binary cfg<mac>)',
  },
  {
    pattern: 'provisioning.config_name',
    kind: { type: 'file_name' },
    description:
      'a name the phone may ask for instead of its MAC file (Fanvil user-named file or $input ID)',
  },
  {
    pattern: 'provisioning.common_dialect',
    kind: { type: 'string', max: 40 },
    description:
      "the vendor whose dialect a phone gets when neither it nor a device that just asked from its address says who it is (a common file over TFTP); read from the defaults and the default profile; default: the driver's own (flyingvoice for y000000000000.*)",
  },
  {
    pattern: 'provisioning.uploads',
    kind: { type: 'enum', values: ['discard', 'store'] },
    description:
      "files phones upload with HTTP PUT (logs, overrides, directories): discard (unset) answers them and keeps nothing; store keeps each as the stored file uploads/<mac>/<name> (plugndial file list), served back as that phone's file, under its access policy",
  },
  {
    pattern: 'provisioning.upload_limit',
    kind: { type: 'int', min: 1024, max: 16_777_216 },
    description:
      'largest upload accepted from a phone, bytes (unset: 1048576); a larger one is refused (413) and nothing is kept',
  },
  {
    pattern: 'provisioning.overwrite_mode',
    kind: { type: 'bool' },
    description: 'keys missing from the files fall back to factory values',
  },
  {
    pattern: 'provisioning.layout',
    kind: { type: 'enum', values: ['chain', 'single'] },
    description:
      'chain (unset): an entry file naming further versioned files (Gigaset provisioning 1.0, Auerswald references); single: one file (Gigaset 1.1)',
  },
  {
    pattern: 'provisioning.remove_unset',
    kind: { type: 'bool' },
    description:
      'remove from the phone what the settings no longer set (Auerswald operations file; true when unset)',
  },
  {
    pattern: 'handsets.N.name',
    kind: { type: 'string', max: 32 },
    description: 'DECT handset N of a base: the name it shows',
  },
  {
    pattern: 'handsets.N.accounts',
    kind: { type: 'list', item: 'index', max: 64 },
    description:
      'DECT handset N of a base: the accounts it rings for and dials out with, e.g. 1,3 (unset: the base decides)',
  },
  {
    pattern: 'handsets.N.account',
    kind: { type: 'int', min: 1, max: 64 },
    description:
      'DECT handset N of a base: the account it dials out with by default, one of handsets.N.accounts',
  },
  {
    pattern: 'keys.N.type',
    kind: { type: 'enum', values: KEY_TYPES },
    description: 'line key function',
  },
  {
    pattern: 'keys.N.value',
    kind: { type: 'string', max: 256 },
    description: 'number or code the key uses',
  },
  {
    pattern: 'keys.N.label',
    kind: { type: 'string', max: 64 },
    description: 'label next to the key',
  },
  {
    pattern: 'keys.N.account',
    kind: { type: 'int', min: 1, max: 64 },
    description: 'account (line) the key uses',
  },
  {
    pattern: 'keys.N.pickup_value',
    kind: { type: 'string', max: 64 },
    description: 'pickup code for BLF keys',
  },
  {
    pattern: 'security.admin_password',
    kind: { type: 'secret' },
    description: "the phone's administrator password (its web interface and admin menu)",
  },
  { pattern: 'security.web_http', kind: { type: 'bool' }, description: 'phone web UI over HTTP' },
  { pattern: 'security.web_https', kind: { type: 'bool' }, description: 'phone web UI over HTTPS' },
  {
    pattern: 'security.config_encryption',
    kind: { type: 'bool' },
    description: 'serve configuration files encrypted with security.config_key',
  },
  {
    pattern: 'security.config_key',
    kind: { type: 'aes_key' },
    description: 'configuration file key: 16 characters (AES-128) or 64 hex digits (AES-256)',
  },
  {
    pattern: 'security.config_cipher',
    kind: { type: 'enum', values: ['aes-256-cbc', 'aes-256-ecb'] },
    description:
      'cipher for phones whose scheme is not public (Fanvil, Plug-n-Dial; default aes-256-cbc)',
  },
  {
    pattern: 'sip.contact',
    kind: { type: 'sip_address' },
    description:
      'where check-sync NOTIFYs go: sip:user@host[:port] or host[:port]; default: the address the phone last provisioned from, port 5060',
  },
  {
    pattern: 'resources.certificate',
    kind: { type: 'served_path' },
    description: 'a stored file (plugndial file put) the phone installs as a certificate',
  },
  {
    pattern: 'resources.background',
    kind: { type: 'served_path' },
    description: 'a stored image file the phone shows as its background',
  },
];

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

function describeKind(kind: Kind): string {
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
      return 'an absolute URL (http, https, tftp or ftp)';
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
    case 'secret':
    case 'string':
      return 'text on one line';
  }
}

/** Validates a value given as text (CLI, CSV) or as JSON (API) and returns its typed form. */
export function parseSetting(key: string, raw: unknown): Result<SettingValue> {
  if (isNativeKey(key)) {
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      return fail('PND_INVALID_SETTING', `${key}: a native value must be text`, { key });
    }
    const text = String(raw);
    if (/[\r\n]/.test(text))
      return fail('PND_INVALID_SETTING', `${key}: a value cannot span lines`, { key });
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
      `${key}: ${spec.kind.type === 'secret' || spec.kind.type === 'aes_key' ? 'invalid value' : `"${String(raw).slice(0, 60)}" is not valid`}; expected ${describeKind(spec.kind)}`,
      { key },
    );
  const kind = spec.kind;
  if (kind.type === 'list') {
    const items = Array.isArray(raw)
      ? raw.map(String)
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
  if (/[\r\n\0]/.test(text)) return bad();
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
        return /^(https?|tftp|ftps?):$/.test(url.protocol) ? ok(text) : bad();
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
      return String(raw).length <= 256 ? ok(String(raw)) : bad();
    case 'aes_key':
      return /^([\x21-\x7e]{16}|[0-9a-fA-F]{64})$/.test(text) ? ok(text) : bad();
    case 'file_name':
      return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(text) && !text.includes('..')
        ? ok(text)
        : bad();
    case 'served_path':
      return text.length <= 512 &&
        text
          .split('/')
          .every((part) => /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(part) && part !== '..')
        ? ok(text)
        : bad();
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
