import { groupIndexes, nativeKey, settingToText, type Settings } from '../../model/settings.ts';
import type { RenderContext } from '../driver.ts';
import {
  capacityWords,
  keyOffAccount,
  pastCapacity,
  withinCapacity,
  type CapacityWords,
} from '../capacity.ts';
import { lineCapacity } from './models.ts';
import { zoneParams } from './time-zone.ts';

/** One parameter, an attribute of the configuration file, and its canonical source. */
export interface PolyParam {
  name: string;
  value: string;
  from?: string;
}

// The language names of `lcl.ml.lang` (public UC Software templates); others are not written.
const LANGUAGES = new Map<string, string>([
  ['en', 'English_United_States'],
  ['de', 'German_Germany'],
  ['fr', 'French_France'],
  ['es', 'Spanish_Spain'],
  ['it', 'Italian_Italy'],
  ['nl', 'Dutch_Netherlands'],
]);

// `device.*` parameters apply only with these switches on: they come from no canonical key.
const DEVICE_SET = 'device.* parameters';

const TRANSPORTS: Readonly<Record<string, string>> = { udp: 'UDPOnly', tcp: 'TCPOnly', tls: 'TLS' };

/** Relative polling needs a period above an hour (UC Software 5.8 guide, provisioning polling). */
const MIN_POLL = 3601;

// Consumed by the master file or the pipeline rather than written as a parameter.
const CONSUMED: readonly string[] = [
  'firmware.version',
  'firmware.url',
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
 * Canonical settings as UC Software parameters. `device.*` parameters apply only with
 * `device.set="1"` and their own `.set="1"`, both written with them. `native.poly.<param>`
 * writes `<param>` as it is and replaces a mapped one.
 */
export function mapSettings(context: RenderContext): {
  params: PolyParam[];
  ignored: string[];
  notes: string[];
} {
  const { settings, now } = context;
  const params: PolyParam[] = [];
  const notes: string[] = [];
  const used = new Set<string>();
  const put = (name: string, value: string | undefined, from: string): void => {
    if (value === undefined) return;
    params.push({ name, value: oneLine(value), from });
    used.add(from);
  };
  const device = (name: string, value: string | undefined, from: string): void => {
    if (value === undefined) return;
    put(`${name}.set`, '1', DEVICE_SET);
    put(name, value, from);
  };
  const str = (key: string): string | undefined =>
    settings[key] === undefined ? undefined : oneLine(settingToText(settings[key]!));

  const model = context.device?.model ?? context.reported?.model;
  const capacity = lineCapacity(model);
  const words = capacityWords(model, 'registrations', capacity.known);
  const accounts = groupIndexes(settings, 'accounts');
  for (const n of withinCapacity('accounts', accounts, capacity.accounts, words, notes)) {
    const at = (field: string): string => `accounts.${n}.${field}`;
    const user = str(at('user'));
    put(`reg.${n}.address`, user, at('user'));
    const auth = str(at('auth_user'));
    put(`reg.${n}.auth.userId`, auth ?? user, auth !== undefined ? at('auth_user') : at('user'));
    put(`reg.${n}.auth.password`, str(at('password')), at('password'));
    put(`reg.${n}.displayName`, str(at('display_name')), at('display_name'));
    put(`reg.${n}.label`, str(at('label')), at('label'));
    put(`reg.${n}.server.1.address`, str(at('registrar')), at('registrar'));
    put(`reg.${n}.server.1.port`, str(at('registrar_port')), at('registrar_port'));
    const transport = str(at('transport'));
    put(`reg.${n}.server.1.transport`, transport && TRANSPORTS[transport], at('transport'));
    const enabled = settings[at('enabled')];
    if (enabled !== undefined)
      put(`reg.${n}.server.1.register`, enabled === true ? '1' : '0', at('enabled'));
    put(`reg.${n}.outboundProxy.address`, str(at('outbound_proxy')), at('outbound_proxy'));
    put(`reg.${n}.outboundProxy.port`, str(at('outbound_proxy_port')), at('outbound_proxy_port'));
    if (str(at('outbound_proxy')) !== undefined && transport)
      put(`reg.${n}.outboundProxy.transport`, TRANSPORTS[transport], at('transport'));
  }

  const ntp = settings['time.ntp_servers'];
  if (ntp !== undefined) {
    const first = (Array.isArray(ntp) ? ntp : String(ntp).split(','))
      .map((s) => s.trim())
      .find(Boolean);
    put('tcpIpApp.sntp.address', first, 'time.ntp_servers');
    put('tcpIpApp.sntp.address.overrideDHCP', '1', 'time.ntp_servers');
  }
  const zone = settings['time.timezone'];
  const time = zone === undefined ? undefined : zoneParams(zone, now);
  if (time) {
    for (const p of time.params) put(p.name, p.value, 'time.timezone');
    notes.push(time.note);
  }
  const clock = settings['time.time_format'];
  if (clock === '24h' || clock === '12h')
    put('lcl.datetime.time.24HourClock', clock === '24h' ? '1' : '0', 'time.time_format');
  const lang = settings['locale.language'];
  if (typeof lang === 'string')
    put('lcl.ml.lang', LANGUAGES.get(lang.toLowerCase().split('-')[0]!), 'locale.language');

  const interval = settings['provisioning.resync_interval'];
  if (typeof interval === 'number') {
    if (interval === 0) put('prov.polling.enabled', '0', 'provisioning.resync_interval');
    else {
      put('prov.polling.enabled', '1', 'provisioning.resync_interval');
      put('prov.polling.mode', 'rel', 'provisioning.resync_interval');
      put(
        'prov.polling.period',
        String(Math.max(interval, MIN_POLL)),
        'provisioning.resync_interval',
      );
      if (interval < MIN_POLL)
        notes.push(
          `provisioning.resync_interval=${interval} → prov.polling.period=${MIN_POLL}: relative polling needs more than an hour`,
        );
    }
  }

  const server = serverParams(str('provisioning.url'));
  const user = context.credentials?.username ?? str('provisioning.username');
  const password = context.credentials?.password ?? str('provisioning.password');
  const admin = str('security.admin_password');
  if (server || (user !== undefined && password !== undefined) || admin !== undefined) {
    put('device.set', '1', DEVICE_SET);
    if (server) {
      device('device.prov.serverType', server.type, 'provisioning.url');
      device('device.prov.serverName', server.name, 'provisioning.url');
    }
    if (user !== undefined && password !== undefined) {
      device('device.prov.user', user, 'provisioning.username');
      device('device.prov.password', password, 'provisioning.password');
    }
    device('device.auth.localAdminPassword', admin, 'security.admin_password');
  }

  for (const p of lineKeys(settings, used, { ...capacity, words, notes })) params.push(p);
  native(settings, params, used);
  for (const key of CONSUMED) if (settings[key] !== undefined) used.add(key);
  const ignored = Object.keys(settings)
    .filter((key) => !used.has(key))
    .sort();
  return { params, ignored, notes };
}

/** `device.prov.serverType` and the server name without its scheme, as the phone's web form takes it. */
function serverParams(url: string | undefined): { type: string; name: string } | undefined {
  if (url === undefined) return undefined;
  const match = /^(https?|ftp|tftp):\/\/(.+)$/i.exec(url);
  if (!match) return undefined;
  return { type: match[1]!.toUpperCase(), name: match[2]! };
}

/**
 * Line keys: a BLF key is an entry of the attendant's resource list
 * (`attendant.resourceList.N.address`, `.label`, as public templates write it); a line key
 * assigns the key to its account (`lineKey.N.category="Line"`, `lineKey.N.index`, with
 * `lineKey.reassignment.enabled`). Other functions have no parameter of their own here. A key
 * past the phone's line keys, or on a registration it does not have, is not written.
 */
function lineKeys(
  settings: Settings,
  used: Set<string>,
  phone: { accounts: number; keys: number; words: CapacityWords; notes: string[] },
): PolyParam[] {
  const { words, notes } = phone;
  const out: PolyParam[] = [];
  const extra: number[] = [];
  let reassigned = false;
  for (const n of groupIndexes(settings, 'keys')) {
    const type = settings[`keys.${n}.type`];
    const from = `keys.${n}.type`;
    const value = settings[`keys.${n}.value`];
    const label = settings[`keys.${n}.label`];
    if (type !== 'blf' && type !== 'line') continue;
    if (n > phone.keys) {
      extra.push(n);
      continue;
    }
    const account = Number(settings[`keys.${n}.account`] ?? 1);
    if (account > phone.accounts) {
      notes.push(keyOffAccount(n, account, phone.accounts, words));
      continue;
    }
    if (type === 'blf' && value !== undefined) {
      out.push({
        name: `attendant.resourceList.${n}.address`,
        value: oneLine(settingToText(value)),
        from,
      });
      if (label !== undefined)
        out.push({
          name: `attendant.resourceList.${n}.label`,
          value: oneLine(settingToText(label)),
          from: `keys.${n}.label`,
        });
    } else if (type === 'line') {
      if (!reassigned) out.push({ name: 'lineKey.reassignment.enabled', value: '1', from });
      reassigned = true;
      out.push({ name: `lineKey.${n}.category`, value: 'Line', from });
      out.push({
        name: `lineKey.${n}.index`,
        value: oneLine(settingToText(settings[`keys.${n}.account`] ?? 1)),
        from,
      });
    } else continue;
    for (const part of ['type', 'value', 'label', 'account'])
      if (settings[`keys.${n}.${part}`] !== undefined) used.add(`keys.${n}.${part}`);
  }
  if (extra.length > 0) notes.push(pastCapacity('keys', extra, phone.keys, words));
  return out;
}

const NATIVE_PARAM = /^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*$/;

function native(settings: Settings, params: PolyParam[], used: Set<string>): void {
  const keys = Object.keys(settings)
    .filter((key) => nativeKey(key)?.driver === 'poly')
    .sort();
  for (const key of keys) {
    const name = nativeKey(key)!.vendorKey;
    // A name that cannot be an attribute is not written: it stays unused and is reported.
    if (!NATIVE_PARAM.test(name)) continue;
    const param: PolyParam = { name, value: oneLine(settingToText(settings[key]!)), from: key };
    const existing = params.findIndex((p) => p.name === name);
    if (existing >= 0) params[existing] = param;
    else params.push(param);
    used.add(key);
  }
}

function oneLine(value: string): string {
  return value.replace(/[\r\n]/g, '');
}
