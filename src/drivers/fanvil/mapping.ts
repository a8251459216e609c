import { groupIndexes, nativeKey, sourceSetting, type Settings } from '../../model/settings.ts';
import type { RenderContext } from '../driver.ts';
import { flag, firstItem, keyType, keyValue, language, text } from './native-values.ts';
import type { Convert } from './native-values.ts';
import { zoneLines } from './time-zone.ts';

/** One `Key :Value` line of a Fanvil file, the module it belongs to, and its canonical source. */
export interface FanvilEntry {
  module: string;
  key: string;
  value: string;
  from?: string;
}

export const GLOBAL = 'GLOBAL CONFIG MODULE';
export const SIP = 'SIP CONFIG MODULE';
export const AUTOUPDATE = 'AUTOUPDATE CONFIG MODULE';
export const DSSKEY = 'DSSKEY MODULE';

/** Modules in the order they are written; native modules follow, sorted. */
export const MODULE_ORDER: readonly string[] = [GLOBAL, SIP, AUTOUPDATE, DSSKEY];

interface Rule {
  from: string;
  module: string;
  /** Native key; `N` is the group index. */
  key: string;
  convert?: Convert;
  otherwise?: { from: string; convert?: Convert };
}

const always1: Convert = () => '1';

// The time zone's lines (time-zone.ts) follow the SNTP ones.
const GLOBAL_RULES: readonly Rule[] = [
  { from: 'time.ntp_servers', module: GLOBAL, key: 'SNTP Server', convert: firstItem },
  { from: 'time.ntp_servers', module: GLOBAL, key: 'Enable SNTP', convert: always1 },
];
const LANGUAGE_RULE: Rule = {
  from: 'locale.language',
  module: GLOBAL,
  key: 'Language',
  convert: language,
};

const ACCOUNT_RULES: readonly Rule[] = [
  { from: 'accounts.N.user', module: SIP, key: 'SIPN Phone Number' },
  { from: 'accounts.N.display_name', module: SIP, key: 'SIPN Display Name' },
  { from: 'accounts.N.registrar', module: SIP, key: 'SIPN Register Addr' },
  { from: 'accounts.N.registrar_port', module: SIP, key: 'SIPN Register Port' },
  {
    from: 'accounts.N.auth_user',
    module: SIP,
    key: 'SIPN Register User',
    otherwise: { from: 'accounts.N.user' },
  },
  { from: 'accounts.N.password', module: SIP, key: 'SIPN Register Pswd' },
  { from: 'accounts.N.outbound_proxy', module: SIP, key: 'SIPN Proxy Addr' },
  { from: 'accounts.N.outbound_proxy_port', module: SIP, key: 'SIPN Proxy Port' },
  {
    from: 'accounts.N.enabled',
    module: SIP,
    key: 'SIPN Enable Reg',
    convert: flag,
    otherwise: { from: 'accounts.N.user', convert: always1 },
  },
];

/** The URLs the AUTOUPDATE module gives the phone, and the file names a device's phonebook has. */
export interface AutoUpdateUrls {
  /** The catalogue image's URL, when the pipeline found a target this phone does not run. */
  image?: string;
  /** The phonebook plugndial serves for this file, when there are contacts. */
  phonebook?: string;
}

/**
 * Canonical settings as Fanvil lines. Native pass-through keys are
 * `native.fanvil.<MODULE_NAME>.<Key_Name>` with underscores for spaces, e.g.
 * `native.fanvil.GLOBAL_CONFIG_MODULE.Host_Name`; they replace a mapped line of the same key.
 */
export function mapSettings(
  context: RenderContext,
  urls: AutoUpdateUrls,
): { entries: FanvilEntry[]; ignored: string[]; notes: string[] } {
  const { settings, now } = context;
  const entries: FanvilEntry[] = [];
  const notes: string[] = [];
  const used = new Set<string>();
  const push = (entry: FanvilEntry | undefined): void => {
    if (!entry) return;
    entries.push(entry);
    if (entry.from) used.add(entry.from);
  };
  for (const rule of GLOBAL_RULES) push(apply(rule, 0, settings, now));
  const zone = settings['time.timezone'];
  const time = zone === undefined ? undefined : zoneLines(zone, now);
  if (time) {
    for (const line of time.lines) push({ module: GLOBAL, ...line, from: 'time.timezone' });
    notes.push(time.note);
  }
  push(apply(LANGUAGE_RULE, 0, settings, now));
  for (const n of groupIndexes(settings, 'accounts')) {
    for (const rule of ACCOUNT_RULES) push(apply(rule, n, settings, now));
  }
  autoUpdate(context, urls).forEach(push);
  dssKeys(settings, used).forEach(push);
  native(settings, entries, used);
  // Keys the pipeline and the file itself consume are not "ignored".
  for (const key of [
    'firmware.version',
    'phonebook.format',
    'provisioning.config_format',
    'provisioning.config_name',
    'security.config_encryption',
    'security.config_key',
    'security.config_cipher',
  ]) {
    if (settings[key] !== undefined) used.add(key);
  }
  const ignored = Object.keys(settings)
    .filter((key) => !used.has(key))
    .sort();
  return { entries, ignored, notes };
}

function autoUpdate(context: RenderContext, urls: AutoUpdateUrls): FanvilEntry[] {
  const { settings, baseUrl } = context;
  const out: FanvilEntry[] = [];
  const url = (key: string, value: string | undefined, from: string): void => {
    if (value !== undefined) out.push({ module: AUTOUPDATE, key, value: oneLine(value), from });
  };
  const explicit = (key: string): string | undefined =>
    typeof settings[key] === 'string' ? (settings[key] as string) : undefined;
  const served = (key: string): string | undefined => {
    const path = explicit(key);
    return path === undefined
      ? undefined
      : `${baseUrl}${path.split('/').map(encodeURIComponent).join('/')}`;
  };
  // Seed 004 figure 1's order.
  if (explicit('phonebook.url') !== undefined)
    url('Auto Pbook Url', explicit('phonebook.url'), 'phonebook.url');
  else url('Auto Pbook Url', urls.phonebook, 'phonebook (contacts)');
  if (explicit('firmware.url') !== undefined)
    url('Auto Image Url', explicit('firmware.url'), 'firmware.url');
  else url('Auto Image Url', urls.image, 'firmware.version');
  url('Auto Etc Url', served('resources.certificate'), 'resources.certificate');
  url('Auto Logo Url', served('resources.background'), 'resources.background');
  // The user and password the phone gives the provisioning server (seed 004 figure 3):
  // the access policy's for this device, else the settings'. Key names from Fanvil's
  // published templates (*uncertain* across generations; native keys can add others).
  const user = context.credentials?.username ?? explicit('provisioning.username');
  const password = context.credentials?.password ?? explicit('provisioning.password');
  if (user !== undefined && password !== undefined) {
    out.push({
      module: AUTOUPDATE,
      key: 'Download Username',
      value: oneLine(user),
      from: 'provisioning.username',
    });
    out.push({
      module: AUTOUPDATE,
      key: 'Download password',
      value: oneLine(password),
      from: 'provisioning.password',
    });
  }
  return out;
}

function dssKeys(settings: Settings, used: Set<string>): FanvilEntry[] {
  const out: FanvilEntry[] = [];
  for (const n of groupIndexes(settings, 'keys')) {
    const type = settings[`keys.${n}.type`];
    const code = type === undefined ? undefined : keyType(type);
    const value =
      code === undefined
        ? undefined
        : keyValue(
            type,
            text(settings[`keys.${n}.value`] ?? ''),
            text(settings[`keys.${n}.account`] ?? 1),
            text(settings[`keys.${n}.pickup_value`] ?? ''),
          );
    if (code === undefined || value === undefined) continue;
    out.push({ module: DSSKEY, key: `Fkey${n} Type`, value: code, from: `keys.${n}.type` });
    out.push({ module: DSSKEY, key: `Fkey${n} Value`, value, from: `keys.${n}.value` });
    const label = settings[`keys.${n}.label`];
    if (label !== undefined) {
      out.push({
        module: DSSKEY,
        key: `Fkey${n} Title`,
        value: text(label),
        from: `keys.${n}.label`,
      });
    }
    // The line and pickup code live inside the value.
    for (const part of ['account', 'pickup_value']) {
      if (settings[`keys.${n}.${part}`] !== undefined) used.add(`keys.${n}.${part}`);
    }
  }
  return out;
}

function apply(rule: Rule, n: number, settings: Settings, now: Date): FanvilEntry | undefined {
  const source = sourceSetting(settings, rule.from, rule.otherwise?.from, n);
  if (!source) return undefined;
  const key = rule.key.replace(/^(SIP|Fkey)N /, `$1${n} `);
  const native = ((source.standIn ? rule.otherwise!.convert : rule.convert) ?? text)(
    source.value,
    now,
  );
  return native === undefined
    ? undefined
    : { module: rule.module, key, value: oneLine(native), from: source.key };
}

const NATIVE_KEY = /^([A-Z][A-Z0-9_]*MODULE)\.([A-Za-z0-9][A-Za-z0-9_.#-]*)$/;

function native(settings: Settings, entries: FanvilEntry[], used: Set<string>): void {
  const keys = Object.keys(settings)
    .filter((key) => nativeKey(key)?.driver === 'fanvil')
    .sort();
  for (const key of keys) {
    const match = NATIVE_KEY.exec(nativeKey(key)!.vendorKey);
    // A key that names no module cannot be written: it stays unused and is reported.
    if (!match) continue;
    const entry: FanvilEntry = {
      module: match[1]!.replace(/_/g, ' '),
      key: match[2]!.replace(/_/g, ' '),
      value: oneLine(text(settings[key]!)),
      from: key,
    };
    const existing = entries.findIndex((e) => e.module === entry.module && e.key === entry.key);
    if (existing >= 0) entries[existing] = entry;
    else entries.push(entry);
    used.add(key);
  }
}

function oneLine(value: string): string {
  return value.replace(/[\r\n]/g, '');
}
