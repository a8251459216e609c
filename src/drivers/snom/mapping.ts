import { groupIndexes, nativeKey, type Settings } from '../../model/settings.ts';
import type { RenderContext } from '../driver.ts';
import { firstItem, keyValue, language, onOff, text } from './native-values.ts';
import { zoneEntries } from './time-zone.ts';

/** One `<phone-settings>` element, e.g. `<user_name idx="1" perm="R">1001</user_name>`. */
export interface SnomSetting {
  name: string;
  idx?: number;
  value: string;
  from?: string;
}

/** One `<fkey>` of `<functionKeys>`: idx counts from 0, keys.1 is fkey 0. */
export interface SnomKey {
  idx: number;
  context: string;
  label?: string;
  value: string;
  from: string;
}

/** Everything the phone's settings file says, and what the dialect leaves out. */
export interface SnomMapping {
  settings: SnomSetting[];
  keys: SnomKey[];
  ignored: string[];
  notes: string[];
}

/** URLs and credentials the file states, worked out by the render from the context. */
export interface SnomLinks {
  /** `setting_server`: where the phone goes back to, with its credentials as userinfo. */
  settingServer?: { url: string; from: string };
  /** `firmware_status`: the firmware setting file, when there is an image to offer. */
  firmwareStatus?: { url: string; from: string };
}

/** The identities a Snom phone has: `idx` 1–12 for per-identity settings (Snom wiki, D7 manual). */
export const IDENTITIES = 12;

// Consumed by the file itself or by the pipeline rather than written as a setting.
const CONSUMED: readonly string[] = [
  'firmware.version',
  'firmware.url',
  'provisioning.url',
  'provisioning.username',
  'provisioning.password',
  'provisioning.access',
  'provisioning.networks',
  'provisioning.first_contact_window',
  'provisioning.credential_grace',
  'provisioning.digest_algorithms',
  'provisioning.resync_from_sip',
  'provisioning.uploads',
  'provisioning.upload_limit',
  'security.config_encryption',
];

/**
 * Canonical settings as Snom settings. `native.snom.<name>` writes `<name>`,
 * `native.snom.<name>.<idx>` writes `<name idx="…">`; either replaces a mapped one.
 */
export function mapSettings(context: RenderContext, links: SnomLinks): SnomMapping {
  const { settings, now } = context;
  const out: SnomSetting[] = [];
  const notes: string[] = [];
  const used = new Set<string>();
  const put = (name: string, value: string | undefined, from: string, idx?: number): void => {
    if (value === undefined) return;
    out.push({ name, value: oneLine(value), from, ...(idx === undefined ? {} : { idx }) });
    used.add(from);
  };
  const str = (key: string): string | undefined =>
    settings[key] === undefined ? undefined : text(settings[key]!);

  const extra = groupIndexes(settings, 'accounts').filter((n) => n > IDENTITIES);
  if (extra.length > 0)
    notes.push(
      `${extra.map((n) => `accounts.${n}`).join(', ')} not written: Snom phones have identities 1–${IDENTITIES}`,
    );
  for (const n of groupIndexes(settings, 'accounts')) {
    if (n > IDENTITIES) continue;
    const at = (field: string): string => `accounts.${n}.${field}`;
    const user = str(at('user'));
    const enabled = settings[at('enabled')];
    if (enabled !== undefined) put('user_active', onOff(enabled), at('enabled'), n);
    else if (user !== undefined) put('user_active', 'on', at('user'), n);
    put('user_name', user, at('user'), n);
    put(
      'user_pname',
      str(at('auth_user')) ?? user,
      str(at('auth_user')) ? at('auth_user') : at('user'),
      n,
    );
    put('user_pass', str(at('password')), at('password'), n);
    put('user_realname', str(at('display_name')), at('display_name'), n);
    put('user_idle_text', str(at('label')), at('label'), n);
    const registrar = str(at('registrar'));
    const port = str(at('registrar_port'));
    if (registrar !== undefined) {
      put('user_host', port ? `${hostPort(registrar, port)}` : registrar, at('registrar'), n);
      if (port) used.add(at('registrar_port'));
    }
    // The outbound proxy carries the transport (`;transport=tcp`); without a proxy the
    // registrar is the next hop, as public templates write it.
    const proxy = str(at('outbound_proxy'));
    const proxyPort = str(at('outbound_proxy_port'));
    const transport = str(at('transport'));
    const hop = proxy ?? registrar;
    if (
      hop !== undefined &&
      (proxy !== undefined || (transport !== undefined && transport !== 'udp'))
    ) {
      const hopPort = proxy !== undefined ? proxyPort : port;
      const value = `${hopPort ? hostPort(hop, hopPort) : hop}${transport ? `;transport=${transport}` : ''}`;
      put('user_outbound', value, proxy !== undefined ? at('outbound_proxy') : at('transport'), n);
      if (proxy !== undefined && proxyPort) used.add(at('outbound_proxy_port'));
      if (transport !== undefined) used.add(at('transport'));
    } else if (transport === 'udp') {
      used.add(at('transport'));
    }
  }

  const ntp = settings['time.ntp_servers'];
  if (ntp !== undefined) put('ntp_server', firstItem(ntp), 'time.ntp_servers');
  const zone = settings['time.timezone'];
  const time = zone === undefined ? undefined : zoneEntries(zone, now);
  if (time) {
    for (const entry of time.entries) put(entry.name, entry.value, 'time.timezone');
    notes.push(time.note);
  }
  const clock = settings['time.time_format'];
  if (clock === '24h' || clock === '12h')
    put('time_24_format', clock === '24h' ? 'on' : 'off', 'time.time_format');
  const lang = settings['locale.language'];
  if (lang !== undefined) {
    const name = language(lang);
    put('language', name, 'locale.language');
    put('web_language', name, 'locale.language');
  }

  if (links.settingServer) put('setting_server', links.settingServer.url, links.settingServer.from);
  const refresh = settings['provisioning.resync_interval'];
  if (refresh !== undefined)
    put('settings_refresh_timer', text(refresh), 'provisioning.resync_interval');
  const pnp = settings['provisioning.pnp'];
  if (pnp !== undefined) put('pnp_config', onOff(pnp), 'provisioning.pnp');
  if (links.firmwareStatus) {
    put('update_policy', 'auto_update', links.firmwareStatus.from);
    put('firmware_status', links.firmwareStatus.url, links.firmwareStatus.from);
  }
  const directory = str('phonebook.url');
  if (directory !== undefined) put('dkey_directory', `url ${directory}`, 'phonebook.url');
  const admin = str('security.admin_password');
  if (admin !== undefined) {
    // The web interface wants a user with its password; `admin` is this driver's choice.
    put('admin_mode_password', admin, 'security.admin_password');
    put('http_user', 'admin', 'security.admin_password (web user)');
    put('http_pass', admin, 'security.admin_password');
  }

  const keys = functionKeys(settings, used, notes);
  native(settings, out, used);
  for (const key of CONSUMED) if (settings[key] !== undefined) used.add(key);
  const ignored = Object.keys(settings)
    .filter((key) => !used.has(key))
    .sort();
  return { settings: out, keys, ignored, notes };
}

/** A key whose context is an identity the phone does not have is not written. */
function functionKeys(settings: Settings, used: Set<string>, notes: string[]): SnomKey[] {
  const keys: SnomKey[] = [];
  for (const n of groupIndexes(settings, 'keys')) {
    const type = settings[`keys.${n}.type`];
    if (type === undefined) continue;
    const identity = Number(settings[`keys.${n}.account`]);
    if (identity > IDENTITIES) {
      notes.push(
        `keys.${n} not written: its account ${identity} is not one of the identities 1–${IDENTITIES}`,
      );
      continue;
    }
    const value = keyValue(
      type,
      text(settings[`keys.${n}.value`] ?? ''),
      text(settings[`keys.${n}.pickup_value`] ?? ''),
    );
    if (value === undefined) continue;
    const account = settings[`keys.${n}.account`];
    const label = settings[`keys.${n}.label`];
    keys.push({
      idx: n - 1,
      context: account === undefined ? 'active' : text(account),
      ...(label === undefined ? {} : { label: oneLine(text(label)) }),
      value: oneLine(value),
      from: `keys.${n}.type`,
    });
    for (const part of ['type', 'value', 'pickup_value', 'account', 'label'])
      if (settings[`keys.${n}.${part}`] !== undefined) used.add(`keys.${n}.${part}`);
  }
  return keys;
}

const NATIVE_NAME = /^([a-z][a-z0-9_]{0,63})(?:\.([1-9][0-9]?))?$/;

function native(settings: Settings, out: SnomSetting[], used: Set<string>): void {
  const keys = Object.keys(settings)
    .filter((key) => nativeKey(key)?.driver === 'snom')
    .sort();
  for (const key of keys) {
    const match = NATIVE_NAME.exec(nativeKey(key)!.vendorKey);
    // A name that is no Snom setting name cannot be written: it stays unused and is reported.
    if (!match) continue;
    const idx = match[2] === undefined ? undefined : Number(match[2]);
    const entry: SnomSetting = {
      name: match[1]!,
      value: oneLine(text(settings[key]!)),
      from: key,
      ...(idx === undefined ? {} : { idx }),
    };
    const existing = out.findIndex((e) => e.name === entry.name && e.idx === entry.idx);
    if (existing >= 0) out[existing] = entry;
    else out.push(entry);
    used.add(key);
  }
}

function hostPort(host: string, port: string): string {
  return `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

function oneLine(value: string): string {
  return value.replace(/[\r\n]/g, '');
}
