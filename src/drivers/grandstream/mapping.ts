import { groupIndexes, nativeKey, settingToText, type Settings } from '../../model/settings.ts';
import type { RenderContext } from '../driver.ts';
import { CUSTOM_ZONE, zoneValues } from './time-zone.ts';

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

/** The URLs a file gives the phone that the pipeline, not the settings, knows. */
export interface GsUrls {
  /** The catalogue image's URL, when the phone runs another version. */
  image?: string;
  /** The phonebook plugndial serves for this file, when there are contacts. */
  phonebook?: string;
}

/**
 * P-values are known for accounts 1 to 4 (P47…, P401…, P501…, P601…). Published templates
 * disagree for accounts 5 and up (P1701… in one, P701… in another), so those accounts are
 * written only in the alias form, whose numbering is the account's own.
 */
export const P_VALUE_ACCOUNTS = 4;

type AccountField =
  | 'enable'
  | 'name'
  | 'server'
  | 'proxy'
  | 'userid'
  | 'authid'
  | 'password'
  | 'display'
  | 'transport';

const ACCOUNT_1: Readonly<Record<AccountField, string>> = {
  enable: 'P271',
  name: 'P270',
  server: 'P47',
  proxy: 'P48',
  userid: 'P35',
  authid: 'P36',
  password: 'P34',
  display: 'P3',
  transport: 'P130',
};
// Accounts 2–4: P<n+2><field>, e.g. account 2's server is P402.
const ACCOUNT_N: Readonly<Record<AccountField, string>> = {
  enable: '01',
  name: '17',
  server: '02',
  proxy: '03',
  userid: '04',
  authid: '05',
  password: '06',
  display: '07',
  transport: '48',
};

function accountP(n: number, field: AccountField): { p?: string } {
  if (n === 1) return { p: ACCOUNT_1[field] };
  if (n > P_VALUE_ACCOUNTS) return {};
  return { p: `P${n + 2}${ACCOUNT_N[field]}` };
}

const TRANSPORTS: Readonly<Record<string, { alias: string; p: string }>> = {
  udp: { alias: 'UDP', p: '0' },
  tcp: { alias: 'TCP', p: '1' },
  tls: { alias: 'TlsOrTcp', p: '2' },
};

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

/** How the phone fetches from a URL: the alias and the P-value of TFTP, HTTP and HTTPS. */
const PROTOCOLS: Readonly<Record<string, { alias: string; p: string }>> = {
  'tftp:': { alias: 'TFTP', p: '0' },
  'http:': { alias: 'HTTP', p: '1' },
  'https:': { alias: 'HTTPS', p: '2' },
};

const PHONEBOOK_MODES: Readonly<Record<string, { alias: string; p: string }>> = {
  'http:': { alias: 'EnabledUseHTTP', p: '1' },
  'tftp:': { alias: 'EnabledUseTFTP', p: '2' },
  'https:': { alias: 'EnabledUseHTTPS', p: '3' },
};

/** The phone's shortest automatic check interval, minutes. */
export const MIN_CHECK_MINUTES = 60;

/** Keys the file itself or the pipeline consumes: never reported as ignored. */
const CONSUMED = [
  'firmware.version',
  'provisioning.config_format',
  'security.config_encryption',
  'security.config_key',
];

/**
 * A URL as the phone's "server path" fields hold it: no scheme (the protocol is a field
 * of its own), host, port and path without a trailing `/`. Undefined for schemes the phone
 * cannot fetch from, and for URLs with user information (the phone has fields for that).
 */
export function serverPath(url: string): { path: string; scheme: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (!(parsed.protocol in PROTOCOLS) || parsed.username || parsed.password) return undefined;
  const path = `${parsed.host}${parsed.pathname}`.replace(/\/+$/, '');
  return { path, scheme: parsed.protocol };
}

/**
 * Canonical settings as Grandstream entries. Native keys are
 * `native.grandstream.<alias>` (`native.grandstream.account.1.sip.voicemail.number`) or
 * `native.grandstream.P<n>`; each replaces a mapped entry of the same name.
 */
export function mapSettings(
  context: RenderContext,
  urls: GsUrls,
  options: { credentials: boolean },
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

  for (const n of groupIndexes(settings, 'accounts')) account(n, settings, text, push);

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

  provisioning(context, urls, text, push, notes, options.credentials);
  lineKeys(settings, text, push);
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
  push: (entry: GsEntry) => void,
): void {
  const key = (field: string): string => `accounts.${n}.${field}`;
  const alias = (name: string): string => `account.${n}.${name}`;
  const user = text(key('user'));
  const enabled = settings[key('enabled')];
  if (enabled !== undefined || user !== undefined) {
    const on = enabled === undefined || enabled === true;
    push({
      alias: alias('enable'),
      ...accountP(n, 'enable'),
      value: on ? 'Yes' : 'No',
      pValue: on ? '1' : '0',
      from: enabled === undefined ? key('user') : key('enabled'),
    });
  }
  const label = text(key('label'));
  if (label !== undefined)
    push({ alias: alias('name'), ...accountP(n, 'name'), value: label, from: key('label') });
  const address = (host: string, port: string): GsEntry | undefined => {
    const name = text(key(host));
    if (name === undefined) return undefined;
    const number = text(key(port));
    return {
      value: number === undefined ? name : `${name}:${number}`,
      from: key(host),
      ...(number === undefined ? {} : { also: [key(port)] }),
    };
  };
  const server = address('registrar', 'registrar_port');
  if (server) push({ alias: alias('sip.server.1.address'), ...accountP(n, 'server'), ...server });
  const proxy = address('outbound_proxy', 'outbound_proxy_port');
  if (proxy)
    push({ alias: alias('sip.outboundProxy.1.address'), ...accountP(n, 'proxy'), ...proxy });
  if (user !== undefined)
    push({ alias: alias('sip.userid'), ...accountP(n, 'userid'), value: user, from: key('user') });
  const authUser = text(key('auth_user'));
  if (authUser !== undefined || user !== undefined)
    push({
      alias: alias('sip.subscriber.userid'),
      ...accountP(n, 'authid'),
      value: (authUser ?? user)!,
      from: authUser === undefined ? key('user') : key('auth_user'),
    });
  const password = text(key('password'));
  if (password !== undefined)
    push({
      alias: alias('sip.subscriber.password'),
      ...accountP(n, 'password'),
      value: password,
      from: key('password'),
    });
  const display = text(key('display_name'));
  if (display !== undefined)
    push({
      alias: alias('sip.subscriber.name'),
      ...accountP(n, 'display'),
      value: display,
      from: key('display_name'),
    });
  const transport = TRANSPORTS[text(key('transport')) ?? ''];
  if (transport)
    push({
      alias: alias('sip.transport'),
      ...accountP(n, 'transport'),
      value: transport.alias,
      pValue: transport.p,
      from: key('transport'),
    });
}

/**
 * Where the phone provisions from next (its Config Server Path and protocol), how often it
 * checks, the credentials it presents, the firmware path and the phonebook path.
 */
function provisioning(
  context: RenderContext,
  urls: GsUrls,
  text: (key: string) => string | undefined,
  push: (entry: GsEntry) => void,
  notes: string[],
  withCredentials: boolean,
): void {
  const explicit = text('provisioning.url');
  const config = serverPath(explicit ?? context.baseUrl);
  if (config) {
    const protocol = PROTOCOLS[config.scheme]!;
    const from = explicit === undefined ? 'provisioning (this door)' : 'provisioning.url';
    push({
      alias: 'provisioning.config.protocol',
      p: 'P212',
      value: protocol.alias,
      pValue: protocol.p,
      from,
    });
    push({ alias: 'provisioning.config.serverPath', p: 'P237', value: config.path, from });
  }
  const interval = context.settings['provisioning.resync_interval'];
  if (typeof interval === 'number') {
    if (interval === 0) {
      push({
        alias: 'provisioning.auto.mode',
        p: 'P194',
        value: 'No',
        pValue: '0',
        from: 'provisioning.resync_interval',
      });
    } else {
      const minutes = Math.max(MIN_CHECK_MINUTES, Math.round(interval / 60));
      if (minutes * 60 !== interval)
        notes.push(
          `provisioning.resync_interval=${interval} → every ${minutes} minutes (the phone checks in whole minutes, at least ${MIN_CHECK_MINUTES})`,
        );
      push({
        alias: 'provisioning.auto.mode',
        p: 'P194',
        value: 'YesUpgradeMin',
        pValue: '1',
        from: 'provisioning.resync_interval',
      });
      push({
        alias: 'provisioning.auto.minute',
        p: 'P193',
        value: String(minutes),
        from: 'provisioning.resync_interval',
      });
    }
  }
  // The user and password the phone presents to the provisioning server: the access
  // policy's for this device, else the settings'.
  const user = withCredentials
    ? (context.credentials?.username ?? text('provisioning.username'))
    : undefined;
  const password = withCredentials
    ? (context.credentials?.password ?? text('provisioning.password'))
    : undefined;
  if (user !== undefined && password !== undefined) {
    push({
      alias: 'provisioning.config.username',
      p: 'P1360',
      value: user,
      from: 'provisioning.username',
    });
    push({
      alias: 'provisioning.config.password',
      p: 'P1361',
      value: password,
      from: 'provisioning.password',
    });
  }
  const firmwareUrl = text('firmware.url') ?? urls.image;
  const image = firmwareUrl === undefined ? undefined : serverPath(firmwareUrl);
  if (image) {
    // The phone asks its firmware path for the image of its series by name: the path is
    // the image's directory.
    const from = text('firmware.url') === undefined ? 'firmware.version' : 'firmware.url';
    const directory = image.path.slice(0, image.path.lastIndexOf('/'));
    const protocol = PROTOCOLS[image.scheme]!;
    push({
      alias: 'provisioning.firmware.protocol',
      p: 'P6767',
      value: protocol.alias,
      pValue: protocol.p,
      from,
    });
    push({ alias: 'provisioning.firmware.serverPath', p: 'P192', value: directory, from });
  }
  const phonebookUrl = text('phonebook.url') ?? urls.phonebook;
  const phonebook = phonebookUrl === undefined ? undefined : serverPath(phonebookUrl);
  if (phonebook) {
    // The phone fetches `phonebook.xml` from the path it is given.
    const from = text('phonebook.url') === undefined ? 'phonebook (contacts)' : 'phonebook.url';
    const path = phonebook.path.replace(/\/phonebook\.xml$/i, '');
    const mode = PHONEBOOK_MODES[phonebook.scheme]!;
    push({
      alias: 'phonebook.download.mode',
      p: 'P330',
      value: mode.alias,
      pValue: mode.p,
      from,
    });
    push({ alias: 'phonebook.download.server', p: 'P331', value: path, from });
  }
}

/**
 * Line keys as the virtual phone keys of the alias form (`pks.vpk.N.*`, GRP26xx and
 * GXP21xx templates); their P-values differ between models, so the P-value form has none.
 */
function lineKeys(
  settings: Settings,
  text: (key: string) => string | undefined,
  push: (entry: GsEntry) => void,
): void {
  for (const n of groupIndexes(settings, 'keys')) {
    const mode = KEY_MODES[text(`keys.${n}.type`) ?? ''];
    if (!mode) continue;
    const at = (name: string): string => `pks.vpk.${n}.${name}`;
    push({ alias: at('keyMode'), value: mode, from: `keys.${n}.type` });
    // Accounts count from 0 here.
    const account = Number(text(`keys.${n}.account`) ?? '1');
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
    if (P_VALUE.test(name)) {
      const at = entries.findIndex((e) => e.p === name);
      const entry: GsEntry = { p: name, value, from: key };
      if (at >= 0) entries[at] = entry;
      else entries.push(entry);
    } else if (ALIAS.test(name)) {
      const at = entries.findIndex((e) => e.alias === name);
      const entry: GsEntry = { alias: name, value, from: key };
      if (at >= 0) entries[at] = entry;
      else entries.push(entry);
    } else continue;
    used.add(key);
  }
}

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

function oneLine(value: string): string {
  return value.replace(/[\r\n]/g, '');
}
