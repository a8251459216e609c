// A Grandstream setting in both of its names, and the view of a list of them from one form:
// the alias form (`<config version="2">`) or the P-value form (version 1, the binary file).

/**
 * One setting of a Grandstream file, in both of its names: the alias of the
 * `<config version="2">` form (`account.1.sip.server.1.address`) and the P-value of the
 * `<config version="1">` form and of the legacy binary file (`P47`), where one is known.
 * Enumerations are words in the alias form (`Yes`, `TlsOrTcp`) and numbers as P-values.
 */
export interface GsEntry {
  alias?: string;
  p?: string;
  value: string;
  /** The P-value form's value, where it differs from the alias form's. */
  pValue?: string;
  from?: string;
  /** Further canonical keys this entry expresses (a port inside an address). */
  also?: string[];
}

export type GsForm = 'aliases' | 'p-values';

/** Adds one entry to the file being mapped. */
export type PushEntry = (entry: GsEntry) => void;

/** A canonical setting as one line of text; undefined when it is not set. */
export type SettingText = (key: string) => string | undefined;

/** The entries a form can write, with that form's name and value. */
export function entriesOf(
  entries: readonly GsEntry[],
  form: GsForm,
): { name: string; value: string; from?: string }[] {
  const out: { name: string; value: string; from?: string }[] = [];
  for (const e of entries) {
    const name = form === 'aliases' ? e.alias : e.p;
    if (name === undefined) continue;
    const value = form === 'p-values' ? (e.pValue ?? e.value) : e.value;
    out.push({ name, value, ...(e.from ? { from: e.from } : {}) });
  }
  return out;
}

/** Canonical keys whose every entry has no name in this form: not expressed by it. */
export function unexpressed(entries: readonly GsEntry[], form: GsForm): string[] {
  const expressed = new Set<string>();
  const all = new Set<string>();
  for (const e of entries) {
    const keys = [e.from, ...(e.also ?? [])].filter((k): k is string => k !== undefined);
    for (const k of keys) all.add(k);
    if ((form === 'aliases' ? e.alias : e.p) !== undefined) for (const k of keys) expressed.add(k);
  }
  return [...all].filter((k) => !expressed.has(k) && !k.includes(' ')).sort();
}

/** Values are one line each: a line break would end the entry in every form. */
export function oneLine(value: string): string {
  return value.replace(/[\r\n]/g, '');
}
