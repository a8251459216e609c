// What will break a phone before it does: pure analysis of devices, profiles, the firmware
// catalogue and the server's doors. `plugndial check`, the log at `serve` start and the
// `warnings` of every change answer are this module's findings.

import type { ListenAddress } from '../config/listen.ts';
import { configKeyProblem } from '../drivers/config-key.ts';
import type { Driver } from '../drivers/driver.ts';
import type { Device, Profile } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import { effectiveSettings } from '../model/merge.ts';
import { nativeKey, type Settings } from '../model/settings.ts';

export const KINDS = [
  'public-url',
  'config-key',
  'firmware-image',
  'native-key',
  'unknown-model',
  'access-policy',
  'registrar',
] as const;

export type FindingKind = (typeof KINDS)[number];

/** One problem and its fix, with every device it concerns (none: the server as a whole). */
export interface Finding {
  kind: FindingKind;
  problem: string;
  fix: string;
  count: number;
  devices: Mac[];
}

/** What the running server knows of itself: where phones are sent and where it listens. */
export interface ServerFacts {
  publicUrl?: string;
  doors: Partial<Record<string, ListenAddress>>;
  /** A reverse proxy is named (--trusted-proxies): the public URL may be the proxy's own. */
  proxied: boolean;
}

export type CheckedDevice = Pick<Device, 'mac' | 'vendor' | 'model' | 'profiles' | 'settings'> & {
  reported?: Device['reported'];
};

export interface CheckInput {
  devices: Iterable<CheckedDevice>;
  profiles: ReadonlyMap<string, Profile>;
  firmware: readonly { vendor: string; model: string; version: string }[];
  drivers: readonly Driver[];
  server?: ServerFacts;
}

/** A profile chain's merged settings, shared by every device with the same profiles. */
interface Chain {
  settings: Settings;
  origin: Record<string, string>;
  /** Account numbers the chain gives a user. */
  accounts: number[];
}

const ACCOUNT_USER = /^accounts\.(\d+)\.user$/;
const FILE_DOORS: Record<string, number> = { http: 80, https: 443, tftp: 69, ftp: 21 };

/**
 * Every finding for these devices. Settings are merged once per profile chain, so the cost
 * is one pass over the devices and their own settings: no render, no store access.
 */
export function checkDevices(input: CheckInput): Finding[] {
  const findings = new Map<string, Finding>();
  const add = (kind: FindingKind, problem: string, fix: string, mac?: Mac): void => {
    const key = `${kind}\0${problem}\0${fix}`;
    let finding = findings.get(key);
    if (!finding) {
      finding = { kind, problem, fix, count: 0, devices: [] };
      findings.set(key, finding);
    }
    if (mac !== undefined) {
      finding.devices.push(mac);
      finding.count++;
    }
  };
  if (input.server) checkPublicUrl(input.server, add);

  const chains = new Map<string, Chain>();
  const images = new Set(input.firmware.map((i) => imageKey(i.vendor, i.model, i.version)));
  const versions = new Set(input.firmware.map((i) => imageKey(i.vendor, '', i.version)));
  const driverOf = new Map<string, Driver>();
  for (const driver of input.drivers) for (const v of driver.vendors) driverOf.set(v, driver);

  for (const device of input.devices) {
    const driver = driverOf.get(device.vendor);
    if (!driver) continue;
    const chainKey = device.profiles.join('\0');
    let chain = chains.get(chainKey);
    if (!chain) {
      chain = chainOf(device.profiles, input.profiles);
      chains.set(chainKey, chain);
    }
    const own = device.settings;
    const get = (key: string): Settings[string] | undefined =>
      key in own ? own[key] : chain.settings[key];
    const from = (key: string): string =>
      key in own ? 'the device' : describeOrigin(chain.origin[key]);
    const { mac, vendor } = device;

    const key = configKeyProblem(driver.configKeys, vendor, pick(get, KEY_SETTINGS));
    if (key) {
      const setBy = from(
        get('security.config_key') === undefined
          ? 'security.config_encryption'
          : 'security.config_key',
      );
      add('config-key', key.reason, `it comes from ${setBy}; ${key.fix}`, mac);
    }

    const version = get('firmware.version');
    if (typeof version === 'string') {
      const model = device.model ?? device.reported?.model;
      if (model !== undefined && !images.has(imageKey(vendor, model, version))) {
        add(
          'firmware-image',
          `firmware.version ${version} has no catalogue image for ${vendor} ${model}`,
          `add it (plugndial firmware add <file> --vendor ${vendor} --model ${model} --version ${version}) or change firmware.version (from ${from('firmware.version')})`,
          mac,
        );
      } else if (model === undefined && !versions.has(imageKey(vendor, '', version))) {
        add(
          'firmware-image',
          `firmware.version ${version} has no catalogue image for any ${vendor} model`,
          `add one (plugndial firmware add <file> --vendor ${vendor} --model <model> --version ${version}) or change firmware.version (from ${from('firmware.version')})`,
          mac,
        );
      }
    }

    const names = driver.nativeNames(vendor);
    for (const setting of Object.keys(own)) {
      const native = nativeKey(setting);
      if (!native || names.includes(native.driver)) continue;
      add(
        'native-key',
        `native.${native.driver}.* settings on a ${vendor} device: its files do not carry them`,
        `remove them from the device (plugndial device set <mac> --unset <key>); a ${vendor} device reads ${names.map((n) => `native.${n}.*`).join(' and ')}`,
        mac,
      );
    }

    if (device.model !== undefined && driver.models && !driver.models.knows(vendor, device.model)) {
      add(
        'unknown-model',
        `model "${device.model.slice(0, 64)}" is not a ${vendor} model the ${driver.name} driver knows`,
        `correct it (plugndial device set <mac> --model M); known: ${driver.models.describe(vendor)}`,
        mac,
      );
    }

    if (
      get('provisioning.access') === 'device-credentials' &&
      !driver.takesCredentials &&
      Number(get('provisioning.first_contact_window') ?? 600) !== 0
    ) {
      add(
        'access-policy',
        `provisioning.access=device-credentials (from ${from('provisioning.access')}), but ${vendor} phones cannot take credentials from their files: once the first-contact window ends they are refused`,
        `type each phone's credentials in (plugndial device credentials <mac> --secrets) and set provisioning.first_contact_window=0 for them, or give them another policy (networks, client-certificate)`,
        mac,
      );
    }

    const accounts = new Set(chain.accounts);
    for (const setting of Object.keys(own)) {
      const match = ACCOUNT_USER.exec(setting);
      if (match) accounts.add(Number(match[1]));
    }
    for (const n of [...accounts].sort((a, b) => a - b)) {
      const user = get(`accounts.${n}.user`);
      if (user === undefined || user === '' || get(`accounts.${n}.enabled`) === false) continue;
      const registrar = get(`accounts.${n}.registrar`);
      if (registrar !== undefined && registrar !== '') continue;
      add(
        'registrar',
        `accounts.${n} has a user but no registrar: the phone cannot register`,
        `set accounts.${n}.registrar on the device or on one of its profiles (the default profile for all)`,
        mac,
      );
    }
  }
  // Stable for people and scripts: by kind as listed above, then by problem.
  return [...findings.values()].sort(
    (a, b) =>
      KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) ||
      (a.problem < b.problem ? -1 : a.problem > b.problem ? 1 : 0),
  );
}

const KEY_SETTINGS = [
  'security.config_encryption',
  'security.config_key',
  'security.config_cipher',
] as const;

function pick(
  get: (key: string) => Settings[string] | undefined,
  keys: readonly string[],
): Settings {
  const out: Settings = {};
  for (const key of keys) {
    const value = get(key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function chainOf(names: readonly string[], profiles: ReadonlyMap<string, Profile>): Chain {
  const { settings, origin } = effectiveSettings({ profiles: [...names], settings: {} }, profiles);
  const accounts = Object.keys(settings).flatMap((key) => {
    const match = ACCOUNT_USER.exec(key);
    return match ? [Number(match[1])] : [];
  });
  return { settings, origin, accounts };
}

function describeOrigin(origin: string | undefined): string {
  if (origin === undefined || origin === 'schema') return 'the built-in defaults';
  return origin.startsWith('profile:') ? `profile "${origin.slice(8)}"` : origin;
}

function imageKey(vendor: string, model: string, version: string): string {
  return `${vendor}\0${model.toLowerCase()}\0${version}`;
}

/**
 * The public URL goes into plug-and-play answers, DHCP snippets and Downloads: its scheme
 * must be a door that is on, on that port, unless a named proxy stands in front.
 */
function checkPublicUrl(
  server: ServerFacts,
  add: (kind: FindingKind, problem: string, fix: string) => void,
): void {
  if (!server.publicUrl || server.proxied) return;
  let url: URL;
  try {
    url = new URL(server.publicUrl);
  } catch {
    return;
  }
  const scheme = url.protocol.slice(0, -1);
  // Never the userinfo: the URL may carry a password.
  const shown = `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  const port = url.port ? Number(url.port) : FILE_DOORS[scheme];
  const on = Object.keys(server.doors).filter((name) => name in FILE_DOORS);
  const door = server.doors[scheme];
  if (!door || port === undefined) {
    add(
      'public-url',
      `--public-url ${shown} is ${scheme}, but no ${scheme.toUpperCase()} door is on: phones sent there find nothing`,
      `start it (--${scheme} ${port ?? '<port>'}) or give a --public-url of a door that is on (${on.join(', ') || 'none'}); behind a reverse proxy, name it with --trusted-proxies`,
    );
    return;
  }
  if (door.port !== port) {
    add(
      'public-url',
      `--public-url ${shown} names port ${port}, but the ${scheme.toUpperCase()} door listens on ${door.port}: phones sent there find nothing`,
      `write the door's port into --public-url (${url.protocol}//${url.hostname}:${door.port}) or start the door on ${port} (--${scheme} ${port}); behind a reverse proxy, name it with --trusted-proxies`,
    );
  }
}
