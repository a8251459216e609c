import {
  DATE_FORMATS,
  settingToText,
  type KEY_TYPES,
  type SettingValue,
} from '../../model/settings.ts';

/** Turns a canonical value into a native one; undefined when the dialect cannot express it. */
export type Convert = (value: SettingValue, now: Date) => string | undefined;

// Seed 001's line key type codes; Yealink uses the same numbers.
const KEY_TYPE_CODES: Record<(typeof KEY_TYPES)[number], string> = {
  none: '0',
  dnd: '5',
  pickup: '9',
  call_park: '10',
  dtmf: '11',
  speed_dial: '13',
  intercom: '14',
  line: '15',
  blf: '16',
  private_hold: '20',
  group_pickup: '23',
  paging: '24',
};

const LANGUAGES = new Map<string, string>([
  ['en', 'English'],
  ['zh', 'Chinese_S'],
  ['zh-cn', 'Chinese_S'],
  ['zh-sg', 'Chinese_S'],
  ['zh-hans', 'Chinese_S'],
  ['zh-tw', 'Chinese_T'],
  ['zh-hk', 'Chinese_T'],
  ['zh-mo', 'Chinese_T'],
  ['zh-hant', 'Chinese_T'],
  ['de', 'German'],
  ['fr', 'French'],
  ['es', 'Spanish'],
  ['it', 'Italian'],
  ['pt', 'Portuguese'],
  ['ru', 'Russian'],
  ['pl', 'Polish'],
  ['tr', 'Turkish'],
]);

const TRANSPORTS = new Map([
  ['udp', '0'],
  ['tcp', '1'],
  ['tls', '2'],
]);

// Yealink accepts at most 30 days between periodic checks.
const MAX_REPEAT_MINUTES = 43_200;

export function text(value: SettingValue): string {
  return settingToText(value);
}

export function flag(value: SettingValue): string | undefined {
  if (value === true || value === 1 || value === '1' || value === 'true') return '1';
  if (value === false || value === 0 || value === '0' || value === 'false') return '0';
  return undefined;
}

export function listItem(index: number): Convert {
  return (value) => {
    const items = Array.isArray(value)
      ? value
      : String(value)
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean);
    return items[index];
  };
}

export function timeFormat(value: SettingValue): string | undefined {
  return value === '12h' ? '0' : value === '24h' ? '1' : undefined;
}

export function dateFormat(value: SettingValue): string | undefined {
  const index = DATE_FORMATS.findIndex((format) => format === value);
  return index < 0 ? undefined : String(index);
}

export function keyType(value: SettingValue): string | undefined {
  return typeof value === 'string' && Object.hasOwn(KEY_TYPE_CODES, value)
    ? KEY_TYPE_CODES[value as keyof typeof KEY_TYPE_CODES]
    : undefined;
}

export function transport(value: SettingValue): string | undefined {
  return TRANSPORTS.get(String(value).toLowerCase());
}

export function language(value: SettingValue): string | undefined {
  const tag = String(value).toLowerCase();
  const exact = LANGUAGES.get(tag);
  if (exact !== undefined) return exact;
  const primary = tag.split('-')[0]!;
  // A Chinese tag we do not know could be either script: better ignored than wrong.
  return primary === 'zh' ? undefined : LANGUAGES.get(primary);
}

function seconds(value: SettingValue): number | undefined {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

export function repeatEnable(value: SettingValue): string | undefined {
  const s = seconds(value);
  return s === undefined ? undefined : s > 0 ? '1' : '0';
}

export function repeatMinutes(value: SettingValue): string | undefined {
  const s = seconds(value);
  return s === undefined || s === 0
    ? undefined
    : String(Math.min(MAX_REPEAT_MINUTES, Math.ceil(s / 60)));
}

/**
 * `sip.notify_reboot_enable`: 0 reboots only on `check-sync;reboot=true`, 2 ignores check-sync
 * (the phone's default, 1, reboots on every check-sync).
 */
export function notifyReboot(value: SettingValue): string | undefined {
  const on = flag(value);
  return on === '1' ? '0' : on === '0' ? '2' : undefined;
}

/** `static.security.user_password` names its user: `admin:<password>`. */
export function adminPassword(value: SettingValue): string {
  return `admin:${text(value)}`;
}

/** A list of account numbers as the base writes them: `1,3`. */
export function numberList(value: SettingValue): string | undefined {
  const items = Array.isArray(value) ? value : String(value).split(',');
  const numbers = items.map((item) => item.trim()).filter(Boolean);
  return numbers.length > 0 ? numbers.join(',') : undefined;
}
