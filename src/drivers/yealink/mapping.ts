import { cfgValue, isCfgKey } from '../../formats/cfg.ts';
import {
  groupIndexes,
  indexedKey,
  nativeKey,
  sourceSetting,
  type Settings,
} from '../../model/settings.ts';
import type { NativeEntry } from '../driver.ts';
import type { Dialect } from './dialect.ts';
import type { MapContext, Rule } from './mapping-rules.ts';
import { STATIC_RELEASE } from './models.ts';
import { flag, text } from './native-values.ts';
import { sectionsFor } from './sections.ts';
import { zoneLines } from './time-zone.ts';

/** Canonical settings in one dialect: the native lines, and what the dialect cannot say. */
export interface Mapping {
  entries: NativeEntry[];
  ignored: string[];
  /** What a rule wrote, in words (the time zone's DST rule), for `--explain`. */
  notes: string[];
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

/** `native.<driver>.<key>` prefixes each dialect passes through, weakest first. */
export const NATIVE_DRIVERS: Record<Dialect, readonly string[]> = {
  flyingvoice: ['yealink', 'flyingvoice'],
  yealink: ['yealink'],
};

/**
 * Maps canonical settings to one dialect's native lines, in table order, then applies
 * native pass-through keys, which replace a mapped line of the same key in place.
 */
export function mapSettings(dialect: Dialect, context: MapContext): Mapping {
  const { settings, now } = context;
  const entries: NativeEntry[] = [];
  const notes: string[] = [];
  const used = new Set<string>(BOOT_KEYS);
  for (const section of sectionsFor(dialect, context.model, context.release)) {
    const zone = section.zone && settings['time.timezone'];
    const zoned = zone ? zoneLines(zone, dialect, now) : undefined;
    if (zoned) {
      entries.push(...zoned.entries);
      notes.push(zoned.note);
      used.add('time.timezone');
    }
    if (section.lines) {
      const lines = section.lines(context);
      entries.push(...lines.entries);
      for (const key of lines.used) used.add(key);
      notes.push(...(lines.notes ?? []));
    }
    const indexes = section.group ? groupIndexes(settings, section.group) : [0];
    for (const n of indexes) {
      if (section.max !== undefined && n > section.max) continue;
      const prefix = section.prefix ? section.prefix(n) : undefined;
      if (section.prefix && prefix === undefined) continue;
      for (const rule of section.rules) {
        const entry = applyRule(rule, n, prefix, context);
        if (!entry) continue;
        entries.push(entry);
        if (entry.from) used.add(entry.from);
      }
    }
  }
  // Firmware before V81 reads the same keys without their `static.` prefix.
  if (context.release !== undefined && context.release < STATIC_RELEASE) {
    for (const entry of entries) entry.key = entry.key.replace(/^static\./, '');
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

function applyRule(
  rule: Rule,
  n: number,
  prefix: string | undefined,
  context: MapContext,
): NativeEntry | undefined {
  const { settings, now } = context;
  const source = sourceSetting(settings, rule.from, rule.otherwise?.from, n);
  if (!source) return undefined;
  const to =
    typeof rule.to === 'function'
      ? rule.to(n)
      : prefix === undefined
        ? indexedKey(rule.to, n)
        : indexedKey(rule.to, n).replace(/^K(?=\.)/, prefix);
  const native = source.standIn
    ? (rule.otherwise!.convert ?? text)(source.value, now)
    : rule.compute
      ? rule.compute(context, n)
      : (rule.convert ?? text)(source.value, now);
  return native === undefined ? undefined : { key: to, value: cfgValue(native), from: source.key };
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
