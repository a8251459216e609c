// Canonical settings as Grandstream entries: accounts (accounts.ts), where to provision from
// (provisioning-paths.ts), time, language, line keys and native keys here.

import { groupIndexes, nativeKey, settingToText, type Settings } from '../../model/settings.ts';
import type { RenderContext } from '../driver.ts';
import { mapAccount } from './accounts.ts';
import {
  capacityWords,
  keyOffAccount,
  pastCapacity,
  withinCapacity,
  type CapacityWords,
} from '../capacity.ts';
import { lineCapacity } from './models.ts';
import { oneLine, type GsEntry, type PushEntry, type SettingText } from './entries.ts';
import { mapProvisioning, type GsUrls } from './provisioning-paths.ts';
import { CUSTOM_ZONE, zoneValues } from './time-zone.ts';

export { entriesOf, unexpressed, type GsEntry, type GsForm } from './entries.ts';
export type { GsUrls } from './provisioning-paths.ts';

// Display languages of the phones' templates; `cz` and `se` are Grandstream's codes for
// Czech and Swedish, `zh-tw` traditional Chinese.
const LANGUAGES: Readonly<Record<string, string>> = {
  ar: 'ar',
  cs: 'cz',
  de: 'de',
  en: 'en',
  es: 'es',
  fr: 'fr',
  he: 'he',
  hr: 'hr',
  hu: 'hu',
  it: 'it',
  ja: 'ja',
  ko: 'ko',
  lv: 'lv',
  nl: 'nl',
  pl: 'pl',
  pt: 'pt',
  ru: 'ru',
  sl: 'sl',
  sv: 'se',
  tr: 'tr',
  zh: 'zh',
};

export function languageCode(tag: string): string | undefined {
  const lower = tag.toLowerCase();
  if (lower === 'zh-tw' || lower === 'zh-hant') return 'zh-tw';
  return LANGUAGES[lower.split('-')[0]!];
}

const KEY_MODES: Readonly<Record<string, string>> = {
  none: 'None',
  line: 'Line',
  speed_dial: 'SpeedDial',
  blf: 'BLF',
  call_park: 'CallPark',
};

/** Keys the file itself or the pipeline consumes: never reported as ignored. */
const CONSUMED = [
  'firmware.version',
  'provisioning.config_format',
  'security.config_encryption',
  'security.config_key',
];

/**
 * Canonical settings as Grandstream entries. Native keys are
 * `native.grandstream.<alias>` (`native.grandstream.account.1.sip.voicemail.number`) or
 * `native.grandstream.P<n>`; each replaces a mapped entry of the same name.
 */
export function mapSettings(
  context: RenderContext,
  urls: GsUrls,
  options: { credentials: boolean; model?: string },
): { entries: GsEntry[]; ignored: string[]; notes: string[] } {
  const { settings } = context;
  const entries: GsEntry[] = [];
  const notes: string[] = [];
  const used = new Set<string>(CONSUMED.filter((key) => settings[key] !== undefined));
  const push = (entry: GsEntry): void => {
    entries.push({ ...entry, value: oneLine(entry.value) });
    if (entry.from) used.add(entry.from);
    for (const key of entry.also ?? []) used.add(key);
  };
  const text = (key: string): string | undefined => {
    const value = settings[key];
    return value === undefined ? undefined : oneLine(settingToText(value));
  };

  const capacity = lineCapacity(options.model);
  const words = capacityWords(options.model, 'accounts', capacity.known);
  const accounts = groupIndexes(settings, 'accounts');
  for (const n of withinCapacity('accounts', accounts, capacity.accounts, words, notes))
    mapAccount(n, settings, text, push);

  const ntp = settings['time.ntp_servers'];
  const servers = Array.isArray(ntp) ? ntp : ntp === undefined ? [] : String(ntp).split(',');
  servers.slice(0, 2).forEach((server, i) =>
    push({
      alias: `dateTime.ntp.server.${i + 1}`,
      ...(i === 0 ? { p: 'P30' } : {}),
      value: server.trim(),
      from: 'time.ntp_servers',
    }),
  );
  const zone = settings['time.timezone'];
  const values = zone === undefined ? undefined : zoneValues(zone, context.now);
  if (values) {
    push({ alias: 'dateTime.timezone', p: 'P64', value: CUSTOM_ZONE, from: 'time.timezone' });
    push({
      alias: 'dateTime.timezone.custom',
      p: 'P246',
      value: values.custom,
      from: 'time.timezone',
    });
    notes.push(values.note);
  }
  const language = text('locale.language');
  const gui = language === undefined ? undefined : languageCode(language);
  if (gui) push({ alias: 'language.gui', p: 'P1362', value: gui, from: 'locale.language' });
  const admin = text('security.admin_password');
  if (admin !== undefined)
    push({ alias: 'users.admin.password', p: 'P2', value: admin, from: 'security.admin_password' });

  mapProvisioning(context, urls, text, push, notes, options.credentials);
  lineKeys(settings, text, push, { ...capacity, words, notes });
  native(settings, entries, used);
  const ignored = Object.keys(settings)
    .filter((key) => !used.has(key))
    .sort();
  return { entries, ignored, notes };
}

/**
 * Line keys as the virtual phone keys of the alias form (`pks.vpk.N.*`, GRP26xx and
 * GXP21xx templates); their P-values differ between models, so the P-value form has none.
 * A key past the phone's keys, or on an account it does not have, is not written.
 */
function lineKeys(
  settings: Settings,
  text: SettingText,
  push: PushEntry,
  phone: { accounts: number; keys: number; words: CapacityWords; notes: string[] },
): void {
  const { words, notes } = phone;
  const extra: number[] = [];
  for (const n of groupIndexes(settings, 'keys')) {
    const mode = KEY_MODES[text(`keys.${n}.type`) ?? ''];
    if (!mode) continue;
    const account = Number(text(`keys.${n}.account`) ?? '1');
    if (n > phone.keys) {
      extra.push(n);
      continue;
    }
    if (account > phone.accounts) {
      notes.push(keyOffAccount(n, account, phone.accounts, words));
      continue;
    }
    const at = (name: string): string => `pks.vpk.${n}.${name}`;
    push({ alias: at('keyMode'), value: mode, from: `keys.${n}.type` });
    // Accounts count from 0 here.
    push({
      alias: at('account'),
      value: String(Math.max(0, account - 1)),
      ...(settings[`keys.${n}.account`] !== undefined ? { from: `keys.${n}.account` } : {}),
    });
    const label = text(`keys.${n}.label`);
    if (label !== undefined)
      push({ alias: at('description'), value: label, from: `keys.${n}.label` });
    const value = text(`keys.${n}.value`);
    if (value !== undefined) push({ alias: at('value'), value, from: `keys.${n}.value` });
  }
  if (extra.length > 0) notes.push(pastCapacity('keys', extra, phone.keys, words));
}

const P_VALUE = /^P\d{1,5}$/;
const ALIAS = /^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9_-]+)+$/;

function native(settings: Settings, entries: GsEntry[], used: Set<string>): void {
  const keys = Object.keys(settings)
    .filter((key) => nativeKey(key)?.driver === 'grandstream')
    .sort();
  for (const key of keys) {
    const name = nativeKey(key)!.vendorKey;
    const value = oneLine(settingToText(settings[key]!));
    const form = P_VALUE.test(name) ? 'p' : ALIAS.test(name) ? 'alias' : undefined;
    if (form === undefined) continue;
    const at = entries.findIndex((e) => e[form] === name);
    const mapped = entries[at];
    if (mapped === undefined) entries.push({ [form]: name, value, from: key });
    else if (mapped.pValue === undefined)
      // One value in both forms: a file in either form carries it.
      entries[at] = { ...mapped, value, from: key };
    // The forms write this parameter's values apart (Yes/No against 1/0): the native value
    // is its own form's; the other form keeps the mapped one.
    else
      entries[at] =
        form === 'p' ? { ...mapped, pValue: value, from: key } : { ...mapped, value, from: key };
    used.add(key);
  }
}
