import { settingToText, type KEY_TYPES, type SettingValue } from '../../model/settings.ts';

/** Turns a canonical value into a Fanvil one; undefined when Fanvil cannot say it. */
export type Convert = (value: SettingValue, now: Date) => string | undefined;

// The language numbers of X-series firmware (public provisioning templates); other
// generations number differently, so only these are written.
const LANGUAGES = new Map<string, string>([
  ['en', '0'],
  ['nl', '3'],
  ['fr', '4'],
  ['it', '7'],
  ['es', '10'],
  ['de', '16'],
]);

export function text(value: SettingValue): string {
  return settingToText(value).replace(/[\r\n]/g, '');
}

export function flag(value: SettingValue): string | undefined {
  if (value === true || value === 1 || value === '1' || value === 'true') return '1';
  if (value === false || value === 0 || value === '0' || value === 'false') return '0';
  return undefined;
}

export function language(value: SettingValue): string | undefined {
  if (typeof value !== 'string') return undefined;
  return LANGUAGES.get(value.toLowerCase().split('-')[0]!);
}

export function firstItem(value: SettingValue): string | undefined {
  const items = Array.isArray(value) ? value : String(value).split(',');
  return items.map((item) => item.trim()).find(Boolean);
}

/**
 * DSS key type numbers and value forms of public Fanvil templates: a memory key (1) dials
 * `number@line/f`, watches `number@line/ba<pickup>` (BLF) or parks at `number@line/c`;
 * a line key (2) takes `SIP<n>`. Other functions have no public form and are not written.
 */
export function keyType(value: SettingValue): string | undefined {
  switch (value as (typeof KEY_TYPES)[number]) {
    case 'none':
      return '0';
    case 'speed_dial':
    case 'blf':
    case 'call_park':
      return '1';
    case 'line':
      return '2';
    default:
      return undefined;
  }
}

export function keyValue(
  type: SettingValue | undefined,
  value: string,
  line: string,
  pickup: string,
): string | undefined {
  // `number@line/kind`: a value holding its own '@' would be read as another line.
  const keyed = type === 'speed_dial' || type === 'blf' || type === 'call_park';
  if (keyed && value.includes('@')) return undefined;
  switch (type) {
    case 'none':
      return '';
    case 'line':
      return `SIP${line}`;
    case 'speed_dial':
      return `${value}@${line}/f`;
    case 'blf':
      return `${value}@${line}/ba${pickup}`;
    case 'call_park':
      return `${value}@${line}/c`;
    default:
      return undefined;
  }
}
