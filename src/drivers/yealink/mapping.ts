import { cfgValue, isCfgKey } from '../../formats/cfg.ts';
import { groupIndexes, nativeKey, type Settings } from '../../model/settings.ts';
import type { FirmwareTarget, NativeEntry } from '../driver.ts';
import type { Dialect } from './dialect.ts';
import { STATIC_RELEASE, type YealinkModel } from './models.ts';
import { flag, text, type Convert } from './native-values.ts';
import { sectionsFor } from './sections.ts';
import { zoneLines } from './time-zone.ts';

/** Canonical settings in one dialect: the native lines, and what the dialect cannot say. */
export interface Mapping {
  entries: NativeEntry[];
  ignored: string[];
  /** What a rule wrote, in words (the time zone's DST rule), for `--explain`. */
  notes: string[];
}

/** Everything a mapping may look at besides one value. */
export interface MapContext {
  settings: Settings;
  now: Date;
  /** The model the file is written for, when the table knows it (the `yealink` dialect). */
  model?: YealinkModel;
  /** The firmware release whose keys the phone reads (`73`, `80`, `86`), when known. */
  release?: number;
  /** Where the phone fetched this file, ending with `/`. */
  baseUrl?: string;
  /** Catalogue images of what is attached to the phone (a DECT base's handsets). */
  accessories?: readonly FirmwareTarget[];
}

export interface Rule {
  /** Canonical key; `N` stands for the group index. */
  from: string;
  /** Native key; `N` is the same index, `K` the section's key prefix at that index. */
  to: string | ((n: number) => string);
  convert?: Convert;
  /** The native value from the whole context, for values that depend on more than `from`. */
  compute?: (context: MapContext, n: number) => string | undefined;
  /** When `from` is absent, the canonical key whose value stands in for it. */
  otherwise?: { from: string; convert?: Convert };
}

/** Lines a section writes from the whole context, and the canonical keys they express. */
export interface Lines {
  entries: NativeEntry[];
  used: readonly string[];
  notes?: readonly string[];
}

export interface Section {
  group?: 'accounts' | 'keys' | 'handsets';
  /** The section starts with the `time.timezone` lines (time-zone.ts). */
  zone?: true;
  /** The highest index the phone takes; keys beyond it are not expressed. */
  max?: number;
  /** What `K` stands for at index n; undefined leaves the index out. */
  prefix?: (n: number) => string | undefined;
  /** Lines written before the rules, from the whole context (server templates, handset images). */
  lines?: (context: MapContext) => Lines;
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
  const at = (pattern: string): string => pattern.replace(/(^|\.)N(?=\.|$)/g, `$1${n}`);
  const to =
    typeof rule.to === 'function'
      ? rule.to(n)
      : prefix === undefined
        ? at(rule.to)
        : at(rule.to).replace(/^K(?=\.)/, prefix);
  const from = at(rule.from);
  const value = settings[from];
  if (value !== undefined) {
    const native = rule.compute ? rule.compute(context, n) : (rule.convert ?? text)(value, now);
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
