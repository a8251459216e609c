/**
 * The canonical settings schema: every vendor-neutral dotted key with its type, its
 * description and its default. `accounts.N.*`, `keys.N.*` and `handsets.N.*` are 1-based.
 * `native.<driver>.<vendor key>` is not listed: it passes through verbatim to that driver.
 * Parsing and validating values against this table is settings.ts's job.
 */
export type SettingValue = string | number | boolean | string[];
export type Settings = Record<string, SettingValue>;

/** What a key holds: settings.ts parses and describes each kind. */
export type SettingKind =
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
  | { type: 'sip_address' }
  | { type: 'dial_string' };

export interface SettingSpec {
  /** The key pattern, with `N` for a 1-based index. */
  pattern: string;
  kind: SettingKind;
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
    kind: { type: 'dial_string' },
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
    kind: { type: 'dial_string' },
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
