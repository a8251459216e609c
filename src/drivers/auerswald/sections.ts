import { xmlElement, type XmlElement } from '../../formats/xml.ts';
import {
  groupIndexes,
  nativeKey,
  settingToText,
  type SettingValue,
  type Settings,
} from '../../model/settings.ts';
import type { NativeEntry } from '../driver.ts';

/** A D-series phone has exactly six identities (Auerswald's identities schema). */
export const IDENTITIES = 6;

/** Canonical settings as settings sections, and what they could not express. */
export interface SectionMapping {
  sections: XmlElement[];
  entries: NativeEntry[];
  ignored: string[];
  /** 1-based identities the settings describe. */
  identities: number[];
}

interface Step {
  name: string;
  /** 1-based among siblings of the same name. */
  index: number;
}

type Convert = (value: SettingValue) => string | undefined;

const bool: Convert = (value) =>
  value === true || value === 'true' || value === 1 || value === '1'
    ? 'true'
    : value === false || value === 'false' || value === 0 || value === '0'
      ? 'false'
      : undefined;

interface Rule {
  leaf: string;
  from: string;
  convert?: Convert;
  otherwise?: { from: string; convert: Convert };
}

// Auerswald's published identity elements; those of outbound proxies, authentication names
// and transports are not public, so those canonical keys are reported as ignored.
const IDENTITY: readonly Rule[] = [
  {
    leaf: 'active',
    from: 'accounts.N.enabled',
    convert: bool,
    otherwise: { from: 'accounts.N.user', convert: (): string => 'true' },
  },
  { leaf: 'username', from: 'accounts.N.user' },
  { leaf: 'password', from: 'accounts.N.password' },
  { leaf: 'displayname', from: 'accounts.N.display_name' },
  { leaf: 'registrar', from: 'accounts.N.registrar' },
  { leaf: 'registrarPort', from: 'accounts.N.registrar_port' },
];

/** The leaves an identity is cleared to when the settings no longer describe it. */
export const CLEARED_IDENTITY: readonly [string, string][] = [
  ['active', 'false'],
  ['username', ''],
  ['password', ''],
  ['displayname', ''],
  ['registrar', ''],
];

const STEP = /^([A-Za-z_][\w.-]{0,63})(?:\[([1-9]\d?)\])?$/;
const MAX_STEPS = 8;

/**
 * Sections to merge (`patch="true"`): identities from `accounts.N.*` (1-based, like the
 * phone's list), then `native.auerswald.<section>/<element>[N]/…/<leaf>` as written, which
 * override a mapped leaf of the same path. Sections in the order they first appear.
 */
export function mapSections(settings: Settings, used: Iterable<string> = []): SectionMapping {
  const roots = new Map<string, XmlElement>();
  const entries: NativeEntry[] = [];
  const consumed = new Set<string>(used);
  const set = (steps: readonly Step[], value: string, from: string): void => {
    let node = roots.get(steps[0]!.name);
    if (!node) {
      node = xmlElement(steps[0]!.name, { patch: 'true' });
      roots.set(steps[0]!.name, node);
    }
    for (const step of steps.slice(1)) node = child(node, step);
    node.text = value;
    node.children = [];
    const path = pathOf(steps);
    const existing = entries.findIndex((entry) => entry.key === path);
    if (existing >= 0) entries.splice(existing, 1);
    entries.push({ key: path, value, from });
    consumed.add(from);
  };
  const identities = groupIndexes(settings, 'accounts').filter((n) => n <= IDENTITIES);
  for (const n of identities) {
    for (const rule of IDENTITY) {
      const mapped = mapRule(rule, settings, n);
      if (mapped) set(identityPath(n, rule.leaf), mapped.value, mapped.from);
    }
  }
  const natives = new Set<number>();
  for (const key of Object.keys(settings).sort()) {
    const native = nativeKey(key);
    if (native?.driver !== 'auerswald') continue;
    const steps = parsePath(native.vendorKey);
    if (!steps) continue;
    set(steps, settingToText(settings[key]!), key);
    if (steps[0]!.name === 'identities' && steps[1]?.name === 'identity')
      natives.add(steps[1].index);
  }
  const ignored = Object.keys(settings)
    .filter((key) => !consumed.has(key))
    .sort();
  return {
    sections: [...roots.values()],
    entries,
    ignored,
    identities: [...new Set([...identities, ...natives])].sort((a, b) => a - b),
  };
}

export function clearedIdentity(): XmlElement {
  return xmlElement(
    'identity',
    {},
    CLEARED_IDENTITY.map(([leaf, value]) => xmlElement(leaf, {}, value)),
  );
}

/** `identities/identity[2]/username` into steps; undefined for anything else. */
export function parsePath(path: string): Step[] | undefined {
  const parts = path.split('/');
  if (parts.length < 2 || parts.length > MAX_STEPS) return undefined;
  const steps: Step[] = [];
  for (const part of parts) {
    const match = STEP.exec(part);
    if (!match) return undefined;
    steps.push({ name: match[1]!, index: match[2] ? Number(match[2]) : 1 });
  }
  return steps;
}

function identityPath(n: number, leaf: string): Step[] {
  return [
    { name: 'identities', index: 1 },
    { name: 'identity', index: n },
    { name: leaf, index: 1 },
  ];
}

/** The index-th child of that name, with empty placeholders before it so positions hold. */
function child(parent: XmlElement, step: Step): XmlElement {
  const same = parent.children.filter((c) => c.name === step.name);
  for (let i = same.length; i < step.index; i++) {
    const placeholder = xmlElement(step.name);
    parent.children.push(placeholder);
    same.push(placeholder);
  }
  const found = same[step.index - 1]!;
  // A leaf that gains children is a container from now on.
  found.text = '';
  return found;
}

function pathOf(steps: readonly Step[]): string {
  return steps
    .map((s) => (s.index > 1 || s.name === 'identity' ? `${s.name}[${s.index}]` : s.name))
    .join('/');
}

function mapRule(
  rule: Rule,
  settings: Settings,
  n: number,
): { value: string; from: string } | undefined {
  const from = rule.from.replace('.N.', `.${n}.`);
  const value = settings[from];
  if (value !== undefined) {
    const text = (rule.convert ?? settingToText)(value);
    return text === undefined ? undefined : { value: text, from };
  }
  if (!rule.otherwise) return undefined;
  const standIn = rule.otherwise.from.replace('.N.', `.${n}.`);
  const standInValue = settings[standIn];
  if (standInValue === undefined) return undefined;
  const text = rule.otherwise.convert(standInValue);
  return text === undefined ? undefined : { value: text, from: standIn };
}
