import { groupIndexes, nativeKey, settingToText, type Settings } from '../../model/settings.ts';
import type { RenderContext } from '../driver.ts';
import type { CiscoEntry } from './entry.ts';
import { PROFILE_RULE_FILE } from './files.ts';
import { capacityWords, withinCapacity } from '../capacity.ts';
import { lineKeys } from './line-keys.ts';
import { lineCapacity, type CiscoFamily } from './models.ts';
import { zoneParameters } from './time-zone.ts';

/** The URLs the pipeline, not the settings, knows. */
export interface CiscoUrls {
  image?: string;
  directory?: string;
}

const TRANSPORTS: Readonly<Record<string, string>> = { udp: 'UDP', tcp: 'TCP', tls: 'TLS' };

// `Language_Selection` takes the language's English name; MPP firmware also reads `Locale`
// (administration guides' lists; a language other than English needs a dictionary server
// on MPP, which these keys do not give: `native.cisco.Dictionary_Server_Script`).
const LANGUAGES: Readonly<Record<string, { name: string; locale: string }>> = {
  en: { name: 'English', locale: 'en-US' },
  de: { name: 'German', locale: 'de-DE' },
  fr: { name: 'French', locale: 'fr-FR' },
  es: { name: 'Spanish', locale: 'es-ES' },
  it: { name: 'Italian', locale: 'it-IT' },
  nl: { name: 'Dutch', locale: 'nl-NL' },
  pt: { name: 'Portuguese', locale: 'pt-PT' },
  da: { name: 'Danish', locale: 'da-DK' },
  sv: { name: 'Swedish', locale: 'sv-SE' },
  nb: { name: 'Norwegian', locale: 'nb-NO' },
  fi: { name: 'Finnish', locale: 'fi-FI' },
  pl: { name: 'Polish', locale: 'pl-PL' },
  ru: { name: 'Russian', locale: 'ru-RU' },
  ja: { name: 'Japanese', locale: 'ja-JP' },
  zh: { name: 'Chinese-Simplified', locale: 'zh-CN' },
};

/** Keys the file itself or the pipeline consumes: never reported as ignored. */
const CONSUMED = ['firmware.version', 'security.config_encryption', 'security.config_key'];

/**
 * Where the phone provisions from next, with the options it needs there: the profile rule
 * of the phone's own profile, `[--uid U --pwd P --key $SA]<base>$MA.xml`.
 */
export function profileRule(
  base: string,
  options: { user?: string; password?: string; key?: boolean },
): string {
  const args: string[] = [];
  const user = options.user === undefined ? undefined : ruleArg(options.user);
  const password = options.password === undefined ? undefined : ruleArg(options.password);
  if (user !== undefined && password !== undefined) args.push(`--uid ${user} --pwd ${password}`);
  if (options.key) args.push('--key $SA');
  return `${args.length > 0 ? `[${args.join(' ')}]` : ''}${base}${PROFILE_RULE_FILE}`;
}

/**
 * A URL as the phone fetches it back: every `$` starts a macro (`$PN`, `$SN`, `$MA`), so a
 * literal one is written `$$`. The driver's own macros (`$MA.xml`, `$PSN.xml`) are added after.
 */
export function literalUrl(url: string): string {
  return url.replace(/\$/g, () => '$$');
}

/**
 * An argument of a rule's options as the phone reads it back: `$` is the start of a macro, so
 * a literal one is `$$`; quoted when it holds a space or a bracket. A quote cannot be
 * written inside one (the rule syntax has no escape for it): undefined, and the caller says so.
 */
export function ruleArg(value: string): string | undefined {
  if (value.includes('"')) return undefined;
  const literal = value.replace(/\$/g, () => '$$');
  return /^[^\s[\]]+$/.test(literal) ? literal : `"${literal}"`;
}

/**
 * Canonical settings as a phone's own flat profile. Native keys are
 * `native.cisco.<Element_Name>` (`native.cisco.Dial_Plan_1_`), for both vendors; each
 * replaces a mapped parameter of the same name.
 */
export function mapSettings(
  context: RenderContext,
  family: CiscoFamily,
  urls: CiscoUrls,
  rules: { base: string; encrypted: boolean },
): { entries: CiscoEntry[]; ignored: string[]; notes: string[] } {
  const { settings } = context;
  const entries: CiscoEntry[] = [];
  const notes: string[] = [];
  const used = new Set<string>(CONSUMED.filter((key) => settings[key] !== undefined));
  const push = (entry: CiscoEntry): void => {
    entries.push({ ...entry, value: oneLine(entry.value) });
    if (entry.from) used.add(entry.from);
    for (const key of entry.also ?? []) used.add(key);
  };
  const text = (key: string): string | undefined => {
    const value = settings[key];
    return value === undefined ? undefined : oneLine(settingToText(value));
  };
  const yes = (value: boolean): string => (value ? 'Yes' : 'No');

  // Provisioning first: the rules the next resync follows, then its timing.
  const given = {
    user: context.credentials?.username ?? text('provisioning.username'),
    password: context.credentials?.password ?? text('provisioning.password'),
  };
  // Credentials the rule cannot carry are left out and said so, never written altered: the
  // phone would present another password than the server expects.
  const writable =
    given.user === undefined ||
    given.password === undefined ||
    (ruleArg(given.user) !== undefined && ruleArg(given.password) !== undefined);
  if (!writable)
    notes.push(
      'provisioning.username or provisioning.password holds a double quote, which a Profile_Rule cannot carry: the rule has no credentials; choose one without it',
    );
  const user = writable ? given.user : undefined;
  const password = writable ? given.password : undefined;
  // From now on the phone's first rule is its own profile, with the credentials it must
  // present; rule B, which led here from the bootstrap, is cleared. (A bootstrap run on every
  // resync would set rule B again without them.)
  push({
    name: 'Profile_Rule',
    value: profileRule(rules.base, {
      ...(user !== undefined && password !== undefined ? { user, password } : {}),
      key: rules.encrypted,
    }),
    from: text('provisioning.url') === undefined ? 'provisioning (this door)' : 'provisioning.url',
    ...(user !== undefined && password !== undefined
      ? { also: ['provisioning.username', 'provisioning.password'] }
      : {}),
  });
  push({ name: 'Profile_Rule_B', value: '' });
  const flag = (name: string, key: string): void => {
    const value = settings[key];
    if (typeof value === 'boolean') push({ name, value: yes(value), from: key });
  };
  const number = (name: string, key: string, convert = (n: number): number => n): void => {
    const value = settings[key];
    if (typeof value === 'number') push({ name, value: String(convert(value)), from: key });
  };
  flag('Resync_On_Reset', 'provisioning.resync_on_reset');
  number('Resync_Periodic', 'provisioning.resync_interval');
  // In units of 20 seconds (SPA100 and MPP administration guides).
  number('Resync_Random_Delay', 'provisioning.random_delay', (s) => Math.ceil(s / 20));
  number('Resync_Error_Retry_Delay', 'provisioning.retry_delay');
  number('Forced_Resync_Delay', 'provisioning.forced_resync_delay');
  flag('Resync_From_SIP', 'provisioning.resync_from_sip');

  const model = context.device?.model ?? context.reported?.model;
  const capacity = lineCapacity(family, model);
  const words = capacityWords(model, 'lines', capacity.known);
  const lines = groupIndexes(settings, 'accounts');
  for (const n of withinCapacity('accounts', lines, capacity.accounts, words, notes))
    account(n, settings, text, push);

  const ntp = settings['time.ntp_servers'];
  const servers = Array.isArray(ntp) ? ntp : ntp === undefined ? [] : String(ntp).split(',');
  (['Primary_NTP_Server', 'Secondary_NTP_Server'] as const).forEach((name, i) => {
    const server = servers[i]?.trim();
    if (server) push({ name, value: server, from: 'time.ntp_servers' });
  });
  const zone = settings['time.timezone'];
  const tz = zone === undefined ? undefined : zoneParameters(zone, context.now);
  if (tz) {
    push({ name: 'Time_Zone', value: tz.timeZone, from: 'time.timezone' });
    push({ name: 'Daylight_Saving_Time_Enable', value: yes(tz.dst), from: 'time.timezone' });
    if (tz.rule) push({ name: 'Daylight_Saving_Time_Rule', value: tz.rule, from: 'time.timezone' });
    notes.push(tz.note);
  }
  const tag = text('locale.language');
  const language = tag === undefined ? undefined : LANGUAGES[tag.toLowerCase().split('-')[0]!];
  if (language) {
    push({ name: 'Language_Selection', value: language.name, from: 'locale.language' });
    if (family === 'mpp') push({ name: 'Locale', value: language.locale, from: 'locale.language' });
  }
  const admin = text('security.admin_password');
  if (admin !== undefined)
    push({
      name: family === 'spa' ? 'Admin_Passwd' : 'Admin_Password',
      value: admin,
      from: 'security.admin_password',
    });

  const image = text('firmware.url') ?? urls.image;
  if (image !== undefined) {
    const from = text('firmware.url') === undefined ? 'firmware.version' : 'firmware.url';
    push({ name: 'Upgrade_Enable', value: 'Yes', from });
    push({ name: 'Upgrade_Rule', value: literalUrl(image), from });
  }
  // The phone expands macros in the directory's URL too (`urls.directory` is written already).
  const phonebook = text('phonebook.url');
  const directory = phonebook === undefined ? urls.directory : literalUrl(phonebook);
  if (directory !== undefined) {
    const from = phonebook === undefined ? 'phonebook (contacts)' : 'phonebook.url';
    push({
      name: 'XML_Directory_Service_Name',
      value: text('phonebook.name') ?? 'Directory',
      from: text('phonebook.name') === undefined ? from : 'phonebook.name',
    });
    push({ name: 'XML_Directory_Service_URL', value: directory, from });
  }
  lineKeys(settings, text, push, { ...capacity, words, notes });
  native(settings, entries, used);
  const ignored = Object.keys(settings)
    .filter((key) => !used.has(key))
    .sort();
  return { entries, ignored, notes };
}

function account(
  n: number,
  settings: Settings,
  text: (key: string) => string | undefined,
  push: (entry: CiscoEntry) => void,
): void {
  const key = (field: string): string => `accounts.${n}.${field}`;
  const at = (name: string): string => `${name}_${n}_`;
  const user = text(key('user'));
  const enabled = settings[key('enabled')];
  if (enabled !== undefined || user !== undefined) {
    const on = enabled === undefined || enabled === true;
    const from = enabled === undefined ? key('user') : key('enabled');
    push({ name: at('Line_Enable'), value: on ? 'Yes' : 'No', from });
    push({ name: at('Register'), value: on ? 'Yes' : 'No', from });
  }
  const address = (host: string, port: string): CiscoEntry | undefined => {
    const name = text(key(host));
    if (name === undefined) return undefined;
    const number = text(key(port));
    return {
      name: '',
      value: number === undefined ? name : `${name}:${number}`,
      from: key(host),
      ...(number === undefined ? {} : { also: [key(port)] }),
    };
  };
  const proxy = address('registrar', 'registrar_port');
  if (proxy) push({ ...proxy, name: at('Proxy') });
  const outbound = address('outbound_proxy', 'outbound_proxy_port');
  push({
    name: at('Use_Outbound_Proxy'),
    value: outbound ? 'Yes' : 'No',
    ...(outbound ? { from: key('outbound_proxy') } : {}),
  });
  if (outbound) push({ ...outbound, name: at('Outbound_Proxy') });
  const display = text(key('display_name'));
  if (display !== undefined)
    push({ name: at('Display_Name'), value: display, from: key('display_name') });
  if (user !== undefined) push({ name: at('User_ID'), value: user, from: key('user') });
  const password = text(key('password'));
  if (password !== undefined)
    push({ name: at('Password'), value: password, from: key('password') });
  // Auth_ID is used only with Use_Auth_ID set; without it the phone authenticates as User_ID.
  const auth = text(key('auth_user'));
  push({
    name: at('Use_Auth_ID'),
    value: auth === undefined ? 'No' : 'Yes',
    ...(auth === undefined ? {} : { from: key('auth_user') }),
  });
  if (auth !== undefined) push({ name: at('Auth_ID'), value: auth, from: key('auth_user') });
  const transport = TRANSPORTS[text(key('transport')) ?? ''];
  if (transport) push({ name: at('SIP_Transport'), value: transport, from: key('transport') });
}

const ELEMENT = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/;

function native(settings: Settings, entries: CiscoEntry[], used: Set<string>): void {
  const keys = Object.keys(settings)
    .filter((key) => nativeKey(key)?.driver === 'cisco')
    .sort();
  for (const key of keys) {
    const name = nativeKey(key)!.vendorKey;
    if (!ELEMENT.test(name)) continue;
    const entry: CiscoEntry = { name, value: oneLine(settingToText(settings[key]!)), from: key };
    const at = entries.findIndex((e) => e.name === name);
    if (at >= 0) entries[at] = entry;
    else entries.push(entry);
    used.add(key);
  }
}

function oneLine(value: string): string {
  return value.replace(/[\r\n]/g, '');
}
