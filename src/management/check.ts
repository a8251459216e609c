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
  'capacity',
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

/**
 * Devices alike in everything a finding depends on (vendor, model, reported model, profiles,
 * checked settings), and their MACs: a fleet is a few dozen kinds of device, however many.
 */
export type CheckedGroup = Omit<CheckedDevice, 'mac'> & { macs: readonly Mac[] };

export interface CheckInput {
  /** Devices one by one; their findings list them in this order. */
  devices?: Iterable<CheckedDevice>;
  /** Devices by kind; their findings list them in MAC order. */
  groups?: Iterable<CheckedGroup>;
  profiles: ReadonlyMap<string, Profile>;
  /** The catalogue's images; with `fileName`, a phone that asks by name is checked against it. */
  firmware: readonly { vendor: string; model: string; version: string; fileName?: string }[];
  drivers: readonly Driver[];
  server?: ServerFacts;
}

/** A profile chain's merged settings, shared by every device with the same profiles. */
interface Chain {
  settings: Settings;
  origin: Record<string, string>;
  /** Account numbers the chain gives a user. */
  accounts: number[];
  /** Key numbers the chain gives a type. */
  keys: number[];
}

const ACCOUNT_USER = /^accounts\.(\d+)\.user$/;
const KEY_TYPE = /^keys\.(\d+)\.type$/;

/** A device's own settings that can decide a finding; the rest never do. */
export const CHECKED_SETTING =
  /^(security\.config_(encryption|key|cipher)|firmware\.(version|accessories)|provisioning\.(access|first_contact_window)|accounts\.\d+\.(user|registrar|enabled)|keys\.\d+\.type|native\..+)$/;
/** Checked settings whose value matters only as there or blank (native.*: only the name). */
const PRESENCE_SETTING = /^(accounts\.\d+\.(user|registrar)|keys\.\d+\.type|native\..+)$/;
/** What a checked setting that is not blank stands for when only its presence matters. */
const PRESENT = 'set';

/**
 * A device's own settings as the check sees them: only those that can decide a finding, in
 * key order, and where only presence decides (an account's user, a native key), not the
 * value. Devices that differ only in their accounts' users then look alike, and the secrets
 * and names among the rest are not kept.
 */
export function checkedSettings(settings: Settings): Settings {
  const out: Settings = {};
  for (const key of Object.keys(settings).sort()) {
    if (!CHECKED_SETTING.test(key)) continue;
    const value = settings[key]!;
    out[key] = PRESENCE_SETTING.test(key) && !isBlank(value) ? PRESENT : value;
  }
  return out;
}
const FILE_DOORS: Record<string, number> = { http: 80, https: 443, tftp: 69, ftp: 21 };

/**
 * Every finding for these devices. Settings are merged once per profile chain, so the cost
 * is one pass over the devices and their own settings: no render, no store access.
 */
export function checkDevices(input: CheckInput): Finding[] {
  const tally = new Tally();
  if (input.server) checkPublicUrl(input.server, tally);

  const chains = new Map<string, Chain>();
  const catalogue: Catalogue = {
    images: new Map(
      input.firmware.map((i) => [imageKey(i.vendor, i.model, i.version), i.fileName] as const),
    ),
    versions: new Set(input.firmware.map((i) => imageKey(i.vendor, '', i.version))),
  };
  const driverOf = new Map<string, Driver>();
  for (const driver of input.drivers) for (const v of driver.vendors) driverOf.set(v, driver);

  // No closure per device: at 100,000 devices making them (and tsx naming each) would cost
  // more than the checks. Devices alike in what a finding depends on share it: the memo
  // key names exactly that, so each text is made once per kind of device.
  const pass: Pass = { tally, chains, catalogue, driverOf, profiles: input.profiles };
  for (const device of input.devices ?? []) checkKind(pass, device, [device.mac]);
  for (const group of input.groups ?? []) checkKind(pass, group, group.macs);
  return tally.findings(input.groups !== undefined);
}

/** What one pass over a fleet shares between its kinds of device. */
interface Pass {
  tally: Tally;
  chains: Map<string, Chain>;
  catalogue: Catalogue;
  driverOf: Map<string, Driver>;
  profiles: ReadonlyMap<string, Profile>;
}

/** The findings of one kind of device, counted for each of its MACs. */
function checkKind(pass: Pass, device: Omit<CheckedDevice, 'mac'>, macs: readonly Mac[]): void {
  const { tally, chains } = pass;
  const driver = pass.driverOf.get(device.vendor);
  if (!driver) return;
  const chainKey = device.profiles.join('\0');
  let chain = chains.get(chainKey);
  if (!chain) {
    chain = chainOf(device.profiles, pass.profiles);
    chains.set(chainKey, chain);
  }
  const view: View = { own: device.settings, chain, chainKey };
  const { vendor } = device;
  const catalogue = pass.catalogue;

  const keyMemo = `key\0${vendor}\0${source(view, KEY_SETTINGS[0])}\0${source(view, KEY_SETTINGS[1])}\0${source(view, KEY_SETTINGS[2])}`;
  if (!tally.record(keyMemo, macs)) tally.remember(keyMemo, keyFinding(driver, vendor, view), macs);

  const version = value(view, 'firmware.version');
  if (typeof version === 'string') {
    const model = device.model ?? device.reported?.model;
    const memo = `firmware\0${vendor}\0${model === undefined ? '' : `=${model}`}\0${source(view, 'firmware.version')}`;
    if (!tally.record(memo, macs))
      tally.remember(memo, firmwareFinding(catalogue, driver, vendor, model, version, view), macs);
  }

  const accessories = value(view, 'firmware.accessories');
  if (Array.isArray(accessories)) {
    const memo = `accessories\0${vendor}\0${source(view, 'firmware.accessories')}`;
    if (!tally.record(memo, macs))
      tally.remember(memo, accessoryFinding(catalogue, vendor, accessories, view), macs);
  }

  let natives: string[] | undefined;
  for (const setting of Object.keys(view.own)) {
    const native = setting.startsWith('native.') ? nativeKey(setting) : undefined;
    // Several keys of one driver are one finding for the device, counted once.
    if (!native || natives?.includes(native.driver)) continue;
    (natives ??= []).push(native.driver);
    const memo = `native\0${vendor}\0${native.driver}`;
    if (!tally.record(memo, macs))
      tally.remember(memo, nativeFinding(driver, vendor, native.driver), macs);
  }

  if (device.model !== undefined && driver.models) {
    const memo = `model\0${vendor}\0${device.model}`;
    if (!tally.record(memo, macs))
      tally.remember(memo, modelFinding(driver, driver.models, vendor, device.model), macs);
  }

  if (value(view, 'provisioning.access') === 'device-credentials' && !driver.takesCredentials) {
    const memo = `access\0${vendor}\0${source(view, 'provisioning.access')}\0${source(view, 'provisioning.first_contact_window')}`;
    if (!tally.record(memo, macs)) tally.remember(memo, accessFinding(vendor, view), macs);
  }

  const accounts = withOwn(chain.accounts, view.own, 'accounts.', ACCOUNT_USER);
  for (const n of accounts) {
    if (isBlank(value(view, `accounts.${n}.user`))) continue;
    if (value(view, `accounts.${n}.enabled`) === false) continue;
    if (!isBlank(value(view, `accounts.${n}.registrar`))) continue;
    const memo = `registrar\0${n}`;
    if (!tally.record(memo, macs)) tally.remember(memo, registrarFinding(n), macs);
  }

  // What the phone has no room for is left out of its file: said here, before it is missed.
  const model = device.model ?? device.reported?.model;
  const capacity = driver.capacity?.(vendor, model);
  if (!capacity) return;
  const over = (group: 'accounts' | 'keys', numbers: readonly number[], most?: number): void => {
    if (most === undefined) return;
    const past = numbers.filter(
      (n) =>
        n > most &&
        !isBlank(value(view, group === 'accounts' ? `accounts.${n}.user` : `keys.${n}.type`)),
    );
    if (past.length === 0) return;
    const memo = `capacity\0${vendor}\0${model ?? ''}\0${group}\0${past.join(',')}`;
    if (!tally.record(memo, macs))
      tally.remember(memo, capacityFinding(vendor, model, group, past, most, capacity.known), macs);
  };
  over('accounts', accounts, capacity.accounts);
  over('keys', withOwn(chain.keys, view.own, 'keys.', KEY_TYPE), capacity.keys);
}

/**
 * The chain's numbers of a group with those the device's own settings add, in order. The
 * chain's array is shared by every device on it, so it is copied only when one adds a number.
 */
function withOwn(chained: number[], own: Settings, prefix: string, pattern: RegExp): number[] {
  let numbers = chained;
  for (const setting of Object.keys(own)) {
    const match = setting.startsWith(prefix) ? pattern.exec(setting) : null;
    if (match && !numbers.includes(Number(match[1])))
      numbers = [...numbers, Number(match[1])].sort((a, b) => a - b);
  }
  return numbers;
}

/** Findings by their text, and by memo key the finding (or none) a kind of device gets. */
class Tally {
  readonly #byText = new Map<string, Finding>();
  readonly #memo = new Map<string, Finding | null>();

  /** Counts the devices in when their kind was seen before; false when it was not. */
  record(memo: string, macs: readonly Mac[]): boolean {
    const known = this.#memo.get(memo);
    if (known === undefined) return false;
    if (known) {
      for (const mac of macs) known.devices.push(mac);
      known.count = known.devices.length;
    }
    return true;
  }

  remember(memo: string, made: Made | undefined, macs: readonly Mac[]): void {
    this.#memo.set(memo, made ? this.add(...made) : null);
    this.record(memo, macs);
  }

  add(kind: FindingKind, problem: string, fix: string): Finding {
    const key = `${kind}\0${problem}\0${fix}`;
    let finding = this.#byText.get(key);
    if (!finding) {
      finding = { kind, problem, fix, count: 0, devices: [] };
      this.#byText.set(key, finding);
    }
    return finding;
  }

  /**
   * Stable for people and scripts: by kind as listed above, then by problem; with `byMac`,
   * each finding's devices in MAC order (they were gathered kind by kind).
   */
  findings(byMac = false): Finding[] {
    if (byMac) for (const finding of this.#byText.values()) sortMacs(finding.devices);
    return [...this.#byText.values()].sort(
      (a, b) =>
        KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) ||
        (a.problem < b.problem ? -1 : a.problem > b.problem ? 1 : 0),
    );
  }
}

/** One device's settings: its own over its profile chain's. */
interface View {
  own: Settings;
  chain: Chain;
  chainKey: string;
}

interface Catalogue {
  /** Each image's file name (when known), by vendor, model and version. */
  images: Map<string, string | undefined>;
  versions: Set<string>;
}

function value(view: View, key: string): Settings[string] | undefined {
  return key in view.own ? view.own[key] : view.chain.settings[key];
}

function origin(view: View, key: string): string {
  return key in view.own ? 'the device' : describeOrigin(view.chain.origin[key]);
}

/** Where a value comes from, for a memo key: the device's own value, else its chain. */
function source(view: View, key: string): string {
  return key in view.own ? `=${JSON.stringify(view.own[key])}` : `@${view.chainKey}`;
}

function keyFinding(driver: Driver, vendor: string, view: View): Made | undefined {
  const settings: Settings = {};
  for (const key of KEY_SETTINGS) {
    const v = value(view, key);
    if (v !== undefined) settings[key] = v;
  }
  const key = configKeyProblem(driver.configKeys, vendor, settings);
  if (!key) return undefined;
  const setBy = origin(
    view,
    settings['security.config_key'] === undefined
      ? 'security.config_encryption'
      : 'security.config_key',
  );
  return ['config-key', key.reason, `it comes from ${setBy}; ${key.fix}`];
}

function firmwareFinding(
  catalogue: Catalogue,
  driver: Driver,
  vendor: string,
  model: string | undefined,
  version: string,
  view: View,
): Made | undefined {
  const from = `(from ${origin(view, 'firmware.version')})`;
  if (model !== undefined) {
    const key = imageKey(vendor, model, version);
    if (!catalogue.images.has(key)) {
      return [
        'firmware-image',
        `firmware.version ${version} has no catalogue image for ${vendor} ${model}`,
        `add it (plugndial firmware add <file> --vendor ${vendor} --model ${model} --version ${version}) or change firmware.version ${from}`,
      ];
    }
    // A phone that is given a folder asks for the image by its own name: under another
    // name the image is there and never served.
    const named = catalogue.images.get(key);
    const asked = driver.models?.imageFileName?.(model);
    if (named !== undefined && asked !== undefined && named !== asked) {
      return [
        'firmware-image',
        `the catalogue image for ${vendor} ${model} ${version} is named ${named}, but the phone asks for ${asked}: it is never served`,
        `add it again under that name (plugndial firmware rm --vendor ${vendor} --model ${model} --version ${version}, then plugndial firmware add <file> --name ${asked} --vendor ${vendor} --model ${model} --version ${version})`,
      ];
    }
    return undefined;
  }
  if (!catalogue.versions.has(imageKey(vendor, '', version))) {
    return [
      'firmware-image',
      `firmware.version ${version} has no catalogue image for any ${vendor} model`,
      `add one (plugndial firmware add <file> --vendor ${vendor} --model <model> --version ${version}) or change firmware.version ${from}`,
    ];
  }
  return undefined;
}

/** The first `firmware.accessories` item (MODEL=VERSION) with no catalogue image. */
function accessoryFinding(
  catalogue: Catalogue,
  vendor: string,
  items: readonly string[],
  view: View,
): Made | undefined {
  for (const item of items) {
    const eq = item.indexOf('=');
    const model = item.slice(0, eq);
    const version = item.slice(eq + 1);
    if (catalogue.images.has(imageKey(vendor, model, version))) continue;
    return [
      'firmware-image',
      `firmware.accessories names ${model}=${version}, which has no catalogue image for ${vendor} ${model}: the phone is not offered it`,
      `add it (plugndial firmware add <file> --vendor ${vendor} --model ${model} --version ${version}) or change firmware.accessories (from ${origin(view, 'firmware.accessories')})`,
    ];
  }
  return undefined;
}

function nativeFinding(driver: Driver, vendor: string, name: string): Made | undefined {
  const names = driver.nativeNames(vendor);
  if (names.includes(name)) return undefined;
  return [
    'native-key',
    `native.${name}.* settings on a ${vendor} device: its files do not carry them`,
    `remove them from the device (plugndial device set <mac> --unset <key>); a ${vendor} device reads ${names.map((n) => `native.${n}.*`).join(' and ')}`,
  ];
}

function modelFinding(
  driver: Driver,
  models: NonNullable<Driver['models']>,
  vendor: string,
  model: string,
): Made | undefined {
  if (models.knows(vendor, model)) return undefined;
  return [
    'unknown-model',
    `model "${model.slice(0, 64)}" is not a ${vendor} model the ${driver.name} driver knows`,
    `correct it (plugndial device set <mac> --model M); known: ${models.describe(vendor)}`,
  ];
}

function accessFinding(vendor: string, view: View): Made | undefined {
  if (Number(value(view, 'provisioning.first_contact_window') ?? 600) === 0) return undefined;
  return [
    'access-policy',
    `provisioning.access=device-credentials (from ${origin(view, 'provisioning.access')}), but ${vendor} phones cannot take credentials from their files: once the first-contact window ends they are refused`,
    `type each phone's credentials in (plugndial device credentials <mac> --secrets) and set provisioning.first_contact_window=0 for them, or give them another policy (networks, client-certificate)`,
  ];
}

function capacityFinding(
  vendor: string,
  model: string | undefined,
  group: 'accounts' | 'keys',
  past: readonly number[],
  most: number,
  known: boolean,
): Made {
  const phone = model === undefined ? `a ${vendor} phone` : `a ${model}`;
  const what = group === 'accounts' ? 'accounts' : 'line keys';
  const whose = known ? '' : ' (the most of its family; its own count is not known here)';
  return [
    'capacity',
    `${past.map((n) => `${group}.${n}`).join(', ')}: ${phone} has ${what} 1–${most}${whose}; the phone's file leaves ${past.length === 1 ? 'it' : 'them'} out`,
    `move ${past.length === 1 ? 'it' : 'them'} to ${what} the phone has, or set the device's model if it is another (plugndial device set <mac> --model M)`,
  ];
}

function registrarFinding(n: number): Made {
  return [
    'registrar',
    `accounts.${n} has a user but no registrar: the phone cannot register`,
    `set accounts.${n}.registrar on the device or on one of its profiles (the default profile for all)`,
  ];
}

const KEY_SETTINGS = [
  'security.config_encryption',
  'security.config_key',
  'security.config_cipher',
] as const;

type Made = [FindingKind, string, string];

/** MACs are 12 lowercase hex digits: text order is their order. Cheap when already sorted. */
function sortMacs(macs: Mac[]): void {
  for (let i = 1; i < macs.length; i++) {
    if (macs[i - 1]! > macs[i]!) {
      macs.sort();
      return;
    }
  }
}

function isBlank(value: Settings[string] | undefined): boolean {
  return value === undefined || value === '' || value === null;
}

function chainOf(names: readonly string[], profiles: ReadonlyMap<string, Profile>): Chain {
  const { settings, origin } = effectiveSettings({ profiles: [...names], settings: {} }, profiles);
  const numbers = (pattern: RegExp): number[] =>
    Object.keys(settings)
      .flatMap((key) => {
        const match = pattern.exec(key);
        return match ? [Number(match[1])] : [];
      })
      .sort((a, b) => a - b);
  return { settings, origin, accounts: numbers(ACCOUNT_USER), keys: numbers(KEY_TYPE) };
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
  tally: { add(kind: FindingKind, problem: string, fix: string): Finding },
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
    tally.add(
      'public-url',
      `--public-url ${shown} is ${scheme}, but no ${scheme.toUpperCase()} door is on: phones sent there find nothing`,
      `start it (--${scheme} ${port ?? '<port>'}) or give a --public-url of a door that is on (${on.join(', ') || 'none'}); behind a reverse proxy, name it with --trusted-proxies`,
    );
    return;
  }
  if (door.port !== port) {
    tally.add(
      'public-url',
      `--public-url ${shown} names port ${port}, but the ${scheme.toUpperCase()} door listens on ${door.port}: phones sent there find nothing`,
      `write the door's port into --public-url (${url.protocol}//${url.hostname}:${door.port}) or start the door on ${port} (--${scheme} ${port}); behind a reverse proxy, name it with --trusted-proxies`,
    );
  }
}
