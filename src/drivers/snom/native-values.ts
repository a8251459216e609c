import { settingToText, type SettingValue } from '../../model/settings.ts';

/**
 * Language names of Snom's `language` and `web_language` (Snom wiki examples: `English`,
 * `Deutsch`; public provisioning templates for the others). Others are not written.
 */
const LANGUAGES = new Map<string, string>([
  ['en', 'English'],
  ['de', 'Deutsch'],
  ['fr', 'Francais'],
  ['es', 'Espanol'],
  ['it', 'Italiano'],
  ['nl', 'Dutch'],
]);

export function text(value: SettingValue): string {
  return settingToText(value).replace(/[\r\n]/g, '');
}

export function onOff(value: SettingValue): string | undefined {
  if (value === true || value === 1 || value === '1' || value === 'true') return 'on';
  if (value === false || value === 0 || value === '0' || value === 'false') return 'off';
  return undefined;
}

export function language(value: SettingValue): string | undefined {
  return typeof value === 'string' ? LANGUAGES.get(value.toLowerCase().split('-')[0]!) : undefined;
}

export function firstItem(value: SettingValue): string | undefined {
  const items = Array.isArray(value) ? value : String(value).split(',');
  return items.map((item) => item.trim()).find(Boolean);
}

/**
 * A function key's value (Snom wiki, Function Key Types): `line`, `speed <number>`,
 * `blf <number>` with `|<pickup code>` as public templates write it, `dest`, `orbit`, `icom`,
 * `dtmf`, `multicast`, `keyevent F_DND`, `none`. Functions without a Snom form are not written.
 */
export function keyValue(type: SettingValue, value: string, pickup: string): string | undefined {
  switch (type) {
    case 'none':
      return 'none';
    case 'line':
      return 'line';
    case 'speed_dial':
      return value ? `speed ${value}` : undefined;
    case 'blf':
      return value ? `blf ${value}${pickup ? `|${pickup}` : ''}` : undefined;
    case 'call_park':
      return value ? `orbit ${value}` : undefined;
    case 'intercom':
      return value ? `icom ${value}` : undefined;
    case 'dtmf':
      return value ? `dtmf ${value}` : undefined;
    case 'paging':
      return value ? `multicast ${value}` : undefined;
    case 'dnd':
      return 'keyevent F_DND';
    default:
      return undefined;
  }
}
