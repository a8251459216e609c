import { cfgValue, isCfgKey } from '../../formats/cfg.ts';
import { groupIndexes, nativeKey, type Settings } from '../../model/settings.ts';
import type { NativeEntry } from '../driver.ts';
import type { Dialect } from './dialect.ts';
import {
  dateFormat,
  flag,
  keyType,
  language,
  listItem,
  repeatEnable,
  repeatMinutes,
  text,
  timeFormat,
  transport,
  type Convert,
} from './native-values.ts';
import { zoneLines } from './time-zone.ts';

/** Canonical settings in one dialect: the native lines, and what the dialect cannot say. */
export interface Mapping {
  entries: NativeEntry[];
  ignored: string[];
  /** What a rule wrote, in words (the time zone's DST rule), for `--explain`. */
  notes: string[];
}

interface Rule {
  /** Canonical key; `N` stands for the group index. */
  from: string;
  /** Native key; `N` is the same index. */
  to: string;
  convert?: Convert;
  /** When `from` is absent, the canonical key whose value stands in for it. */
  otherwise?: { from: string; convert?: Convert };
}

interface Section {
  group?: 'accounts' | 'keys';
  /** The section starts with the `time.timezone` lines (time-zone.ts). */
  zone?: true;
  rules: readonly Rule[];
}

/**
 * Expressed in the boot files, or consumed by the file itself (encryption) or by the
 * pipeline (the firmware target), rather than as a cfg line: never reported as ignored.
 */
export const BOOT_KEYS: readonly string[] = [
  'provisioning.overwrite_mode',
  'firmware.version',
  'security.config_encryption',
  'security.config_key',
];

const enabledByUser: Rule['otherwise'] = { from: 'accounts.N.user', convert: (): string => '1' };

const TIME: readonly Rule[] = [
  { from: 'time.ntp_servers', to: 'local_time.ntp_server1', convert: listItem(0) },
  { from: 'time.ntp_servers', to: 'local_time.ntp_server2', convert: listItem(1) },
  { from: 'time.time_format', to: 'local_time.time_format', convert: timeFormat },
  { from: 'time.date_format', to: 'local_time.date_format', convert: dateFormat },
];

const LINE_KEYS: readonly Rule[] = [
  { from: 'keys.N.type', to: 'linekey.N.type', convert: keyType },
  { from: 'keys.N.account', to: 'linekey.N.line' },
  { from: 'keys.N.value', to: 'linekey.N.value' },
  { from: 'keys.N.label', to: 'linekey.N.label' },
];

/** Seed 001's keys exactly; the web-only provisioning fields have no documented key. */
const FLYINGVOICE: readonly Section[] = [
  {
    group: 'accounts',
    rules: [
      {
        from: 'accounts.N.enabled',
        to: 'account.N.enable',
        convert: flag,
        otherwise: enabledByUser,
      },
      { from: 'accounts.N.label', to: 'account.N.label' },
      { from: 'accounts.N.display_name', to: 'account.N.display_name' },
      {
        from: 'accounts.N.auth_user',
        to: 'account.N.auth_name',
        otherwise: { from: 'accounts.N.user' },
      },
      { from: 'accounts.N.password', to: 'account.N.password' },
      { from: 'accounts.N.user', to: 'account.N.user_name' },
      { from: 'accounts.N.registrar', to: 'account.N.sip_server_host' },
      { from: 'accounts.N.registrar_port', to: 'account.N.sip_server_port' },
      { from: 'accounts.N.outbound_proxy', to: 'account.N.outbound_host' },
      { from: 'accounts.N.outbound_proxy_port', to: 'account.N.outbound_port' },
    ],
  },
  { zone: true, rules: TIME },
  {
    group: 'keys',
    rules: [...LINE_KEYS, { from: 'keys.N.pickup_value', to: 'linekey.N.pickup_value' }],
  },
  {
    rules: [
      { from: 'provisioning.url', to: 'auto_provision.server.url' },
      { from: 'provisioning.username', to: 'auto_provision.server.username' },
      { from: 'provisioning.password', to: 'auto_provision.server.password' },
      { from: 'phonebook.url', to: 'local_contact.data.url' },
      // Yealink's key before the static. prefix, which Flyingvoice copied (not in seed 001).
      { from: 'firmware.url', to: 'firmware.url' },
      { from: 'security.web_http', to: 'wui.http_enable', convert: flag },
      { from: 'security.web_https', to: 'wui.https_enable', convert: flag },
      { from: 'locale.language', to: 'lang.gui', convert: language },
    ],
  },
];

const YEALINK: readonly Section[] = [
  {
    group: 'accounts',
    rules: [
      {
        from: 'accounts.N.enabled',
        to: 'account.N.enable',
        convert: flag,
        otherwise: enabledByUser,
      },
      { from: 'accounts.N.label', to: 'account.N.label' },
      { from: 'accounts.N.display_name', to: 'account.N.display_name' },
      {
        from: 'accounts.N.auth_user',
        to: 'account.N.auth_name',
        otherwise: { from: 'accounts.N.user' },
      },
      { from: 'accounts.N.user', to: 'account.N.user_name' },
      { from: 'accounts.N.password', to: 'account.N.password' },
      { from: 'accounts.N.registrar', to: 'account.N.sip_server.1.address' },
      { from: 'accounts.N.registrar_port', to: 'account.N.sip_server.1.port' },
      {
        from: 'accounts.N.transport',
        to: 'account.N.sip_server.1.transport_type',
        convert: transport,
      },
      {
        from: 'accounts.N.outbound_proxy',
        to: 'account.N.outbound_proxy_enable',
        convert: (): string => '1',
      },
      { from: 'accounts.N.outbound_proxy', to: 'account.N.outbound_proxy.1.address' },
      { from: 'accounts.N.outbound_proxy_port', to: 'account.N.outbound_proxy.1.port' },
    ],
  },
  { zone: true, rules: TIME },
  { group: 'keys', rules: LINE_KEYS },
  {
    rules: [
      { from: 'provisioning.url', to: 'static.auto_provision.server.url' },
      { from: 'provisioning.username', to: 'static.auto_provision.server.username' },
      { from: 'provisioning.password', to: 'static.auto_provision.server.password' },
      { from: 'provisioning.resync_on_reset', to: 'static.auto_provision.power_on', convert: flag },
      {
        from: 'provisioning.resync_interval',
        to: 'static.auto_provision.repeat.enable',
        convert: repeatEnable,
      },
      {
        from: 'provisioning.resync_interval',
        to: 'static.auto_provision.repeat.minutes',
        convert: repeatMinutes,
      },
      { from: 'provisioning.pnp', to: 'static.auto_provision.pnp_enable', convert: flag },
      { from: 'firmware.url', to: 'static.firmware.url' },
      { from: 'phonebook.url', to: 'remote_phonebook.data.1.url' },
      { from: 'phonebook.name', to: 'remote_phonebook.data.1.name' },
      { from: 'resources.certificate', to: 'static.trusted_certificates.url' },
      { from: 'resources.background', to: 'wallpaper_upload.url' },
      { from: 'security.web_http', to: 'static.wui.http_enable', convert: flag },
      { from: 'security.web_https', to: 'static.wui.https_enable', convert: flag },
      { from: 'locale.language', to: 'lang.gui', convert: language },
    ],
  },
];

const TABLES: Record<Dialect, readonly Section[]> = { flyingvoice: FLYINGVOICE, yealink: YEALINK };

/** `native.<driver>.<key>` prefixes each dialect passes through, weakest first. */
export const NATIVE_DRIVERS: Record<Dialect, readonly string[]> = {
  flyingvoice: ['yealink', 'flyingvoice'],
  yealink: ['yealink'],
};

/**
 * Maps canonical settings to one dialect's native lines, in table order, then applies
 * native pass-through keys, which replace a mapped line of the same key in place.
 */
export function mapSettings(settings: Settings, dialect: Dialect, now: Date): Mapping {
  const entries: NativeEntry[] = [];
  const notes: string[] = [];
  const used = new Set<string>(BOOT_KEYS);
  for (const section of TABLES[dialect]) {
    const zone = section.zone && settings['time.timezone'];
    const lines = zone ? zoneLines(zone, dialect, now) : undefined;
    if (lines) {
      entries.push(...lines.entries);
      notes.push(lines.note);
      used.add('time.timezone');
    }
    const indexes = section.group ? groupIndexes(settings, section.group) : [0];
    for (const n of indexes) {
      for (const rule of section.rules) {
        const entry = applyRule(rule, n, settings, now);
        if (!entry) continue;
        entries.push(entry);
        if (entry.from) used.add(entry.from);
      }
    }
  }
  for (const driver of NATIVE_DRIVERS[dialect]) applyNative(settings, driver, entries, used);
  const ignored = Object.keys(settings)
    .filter((key) => !used.has(key))
    .sort();
  return { entries, ignored, notes };
}

/** True when the settings ask for `overwrite_mode = 1` in the boot files. */
export function overwriteMode(settings: Settings): boolean {
  return flag(settings['provisioning.overwrite_mode'] ?? false) === '1';
}

function applyRule(rule: Rule, n: number, settings: Settings, now: Date): NativeEntry | undefined {
  const at = (pattern: string): string => pattern.replace(/(^|\.)N(?=\.|$)/g, `$1${n}`);
  const to = at(rule.to);
  const from = at(rule.from);
  const value = settings[from];
  if (value !== undefined) {
    const native = (rule.convert ?? text)(value, now);
    return native === undefined ? undefined : { key: to, value: cfgValue(native), from };
  }
  if (!rule.otherwise) return undefined;
  const standIn = at(rule.otherwise.from);
  const standInValue = settings[standIn];
  if (standInValue === undefined) return undefined;
  const native = (rule.otherwise.convert ?? text)(standInValue, now);
  return native === undefined ? undefined : { key: to, value: cfgValue(native), from: standIn };
}

function applyNative(
  settings: Settings,
  driver: string,
  entries: NativeEntry[],
  used: Set<string>,
): void {
  const keys = Object.keys(settings)
    .filter((key) => nativeKey(key)?.driver === driver)
    .sort();
  for (const key of keys) {
    const vendorKey = nativeKey(key)!.vendorKey;
    // A key the format cannot carry stays unused and is reported as ignored.
    if (!isCfgKey(vendorKey)) continue;
    const entry: NativeEntry = { key: vendorKey, value: cfgValue(text(settings[key]!)), from: key };
    const existing = entries.findIndex((e) => e.key === vendorKey);
    if (existing >= 0) entries[existing] = entry;
    else entries.push(entry);
    used.add(key);
  }
}
