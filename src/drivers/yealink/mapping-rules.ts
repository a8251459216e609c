// The shapes of a Yealink mapping: what a rule or a section of the cfg file is handed and
// writes. Apart from mapping.ts, so that the sections (sections.ts, dect.ts) and the mapping
// that runs them each import these without importing one another.
import type { Settings } from '../../model/settings.ts';
import type { FirmwareTarget, NativeEntry } from '../driver.ts';
import type { YealinkModel } from './models.ts';
import type { Convert } from './native-values.ts';

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
