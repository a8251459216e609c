import { parseBoot, parseCfg } from '../../formats/cfg.ts';
import type {
  PhoneFetch,
  PhoneIdentity,
  PhoneMemory,
  PhoneRun,
  PhoneScript,
  PhoneStep,
} from '../driver.ts';
import {
  answerStep,
  fetchOnce,
  missStep,
  noteStep,
  parseBase,
  urlStep,
  type Fetched,
} from '../phone-kit.ts';
import { NULL_VALUE, VERSION_LINE } from './cfg-markers.ts';
import { dialectFor } from './dialect.ts';
import { cfgKeyOf, decryptCfg } from './encryption.ts';
import {
  COMMON_BOOT,
  COMMON_CFG,
  macBareName,
  macBootName,
  macCfgName,
  uploadName,
} from './files.ts';
import { commonFileOf, modelInfo } from './models.ts';
import { phoneAnnouncement } from './pnp.ts';
import { formatUserAgent } from './user-agent.ts';

/** A boot file may name many files; a phone stops somewhere, and so do we. */
export const MAX_INCLUDES = 64;

/** What a Yealink phone keeps in memory as its own local files (`--state`). */
export const LOCAL_CFG = 'local.cfg';
export const LOCAL_CONTACTS = 'contact.xml';

/**
 * What a Yealink-style phone does at boot: the first boot file that answers decides which
 * cfg files to fetch; without one, the common cfg and then the MAC cfg. A Yealink phone then
 * fetches its own local files back where it keeps them on the server, installs firmware
 * (its own, and a DECT base its handsets') it does not run yet, and uploads its local files
 * when the server's copy differs.
 */
export const yealinkPhone: PhoneScript = {
  userAgent: formatUserAgent,
  run: runPhone,
  plugAndPlay: phoneAnnouncement,
};

// A URL naming a boot or cfg file (as plug-and-play hands out) is fetched alone, not as a directory.
const FILE_URL = /\/[^/]+\.(boot|cfg)$/i;

const SERVER_USER = 'auto_provision.server.username';
const SERVER_PASSWORD = 'auto_provision.server.password';

/** An empty local file: the phone has changed nothing on itself yet. */
const EMPTY_LOCAL_CFG = '#!version:1.0.0.1\n';
const EMPTY_CONTACTS = '<?xml version="1.0" encoding="UTF-8"?>\n<root_contact>\n</root_contact>\n';

type Get = (url: URL) => Promise<Fetched<URL>>;

interface Boot {
  steps: PhoneStep[];
  settings: Map<string, string>;
  ok: boolean;
  /** The key the phone holds for encrypted cfg files (`--key`), as AES key bytes. */
  key?: Buffer | undefined;
}

function newBoot(identity: PhoneIdentity): Boot {
  const key = identity.configKey === undefined ? undefined : cfgKeyOf(identity.configKey);
  return { steps: [], settings: new Map(), ok: false, ...(key ? { key } : {}) };
}

/**
 * One boot. The phone presents the provisioning credentials it keeps (from an earlier cfg)
 * when the server asks; credentials a cfg gives it are kept for the next boot.
 */
async function runPhone(
  identity: PhoneIdentity,
  baseUrl: string,
  fetch: PhoneFetch,
  memory: PhoneMemory = {},
): Promise<PhoneRun> {
  const user = memory[SERVER_USER];
  const password = memory[SERVER_PASSWORD];
  const credentials = user && password ? { username: user, password } : undefined;
  const withCredentials: PhoneFetch = (url, options) =>
    fetch(url, { ...options, ...(credentials ? { credentials } : {}) });
  const kept: PhoneMemory = { ...memory };
  const run = await runOnce(identity, baseUrl, withCredentials, kept);
  for (const key of [SERVER_USER, SERVER_PASSWORD]) {
    const value = run.settings[key] ?? run.settings[`static.${key}`];
    if (value) kept[key] = value;
  }
  return { ...run, memory: kept };
}

async function runOnce(
  identity: PhoneIdentity,
  baseUrl: string,
  fetch: PhoneFetch,
  memory: PhoneMemory,
): Promise<PhoneRun> {
  const userAgent = formatUserAgent(identity);
  const base = parseBase(baseUrl);
  if (!base) return { ok: false, steps: [noteStep(baseUrl, 'not a URL')], settings: {} };
  const get: Get = (url) => fetchOnce(fetch, url, userAgent);
  const file = FILE_URL.exec(new URL(baseUrl, base).pathname);
  const boot = file
    ? await runFromFile(identity, new URL(baseUrl), file[1]!.toLowerCase() === 'boot', get)
    : await runFromBase(identity, base, get);
  if (dialectFor(identity.vendor) === 'yealink' && boot.ok) {
    const at = file ? new URL('.', new URL(baseUrl)) : base;
    const after = { identity, base: at, get, fetch, userAgent, memory, boot };
    await localFiles(after);
    await firmware(after);
  }
  return { ok: boot.ok, steps: boot.steps, settings: Object.fromEntries(boot.settings) };
}

/** The boot files in the phone's order; without any, the common cfg and then the MAC cfg. */
async function runFromBase(identity: PhoneIdentity, base: URL, get: Get): Promise<Boot> {
  const boot = newBoot(identity);
  const yealink = dialectFor(identity.vendor) === 'yealink';
  // Flyingvoice asks for the bare MAC first (seed 001); Yealink starts with <mac>.boot.
  const boots = yealink
    ? [macBootName(identity.mac), COMMON_BOOT]
    : [macBareName(identity.mac), macBootName(identity.mac), COMMON_BOOT];
  for (const name of boots) {
    const answer = await get(new URL(name, base));
    if (answer.status === 200) {
      boot.ok = await followBoot(answer, get, boot);
      return boot;
    }
    boot.steps.push(missStep(answer));
  }
  // A Yealink phone's common file carries its model's number; an unknown model, the zeros.
  const info = yealink ? modelInfo(identity.model) : undefined;
  const common = info ? commonFileOf(info) : COMMON_CFG;
  let applied = 0;
  let broken = false;
  for (const name of [common, macCfgName(identity.mac)]) {
    const answer = await get(new URL(name, base));
    if (answer.status !== 200) {
      boot.steps.push(missStep(answer));
      continue;
    }
    if (applyCfg(answer, boot)) applied++;
    else broken = true;
  }
  boot.ok = applied > 0 && !broken;
  return boot;
}

/** The phone was given one file: a boot file is followed, a cfg file applied. */
async function runFromFile(
  identity: PhoneIdentity,
  url: URL,
  isBoot: boolean,
  get: Get,
): Promise<Boot> {
  const boot = newBoot(identity);
  const answer = await get(url);
  if (answer.status !== 200) {
    boot.steps.push(missStep(answer));
    return boot;
  }
  boot.ok = isBoot ? await followBoot(answer, get, boot) : applyCfg(answer, boot);
  return boot;
}

/** Fetches every include in order; false when the boot file or any include failed. */
async function followBoot(answer: Fetched<URL>, get: Get, boot: Boot): Promise<boolean> {
  const parsed = parseBoot(answer.body.toString('utf8'));
  if (!parsed.ok) {
    boot.steps.push(answerStep(answer, false, parsed.error.message));
    return false;
  }
  const includes = parsed.value.includes;
  let ok = true;
  if (includes.length > MAX_INCLUDES) {
    const note = `only the first ${MAX_INCLUDES} of ${includes.length} includes are fetched`;
    boot.steps.push(answerStep(answer, true, note));
    ok = false;
  } else {
    boot.steps.push(answerStep(answer, true));
  }
  for (const include of includes.slice(0, MAX_INCLUDES)) {
    const url = resolve(include, answer.url);
    if (!url) {
      boot.steps.push(noteStep(include, 'not a URL'));
      ok = false;
      continue;
    }
    const included = await get(url);
    if (included.status !== 200) {
      boot.steps.push(missStep(included));
      ok = false;
      continue;
    }
    if (!applyCfg(included, boot)) ok = false;
  }
  return ok;
}

/** Applies one cfg over the settings so far: later files override earlier ones. */
function applyCfg(answer: Fetched<URL>, boot: Boot): boolean {
  const text = plainCfg(answer.body, boot.key);
  if (text === undefined) {
    const why = boot.key
      ? 'encrypted, and the key the phone holds does not open it'
      : 'encrypted, and the phone holds no key (--key)';
    boot.steps.push(answerStep(answer, false, why));
    return false;
  }
  const parsed = parseCfg(text, { emptyValue: NULL_VALUE });
  if (!parsed.ok) {
    boot.steps.push(answerStep(answer, false, parsed.error.message));
    return false;
  }
  for (const [key, value] of parsed.value) boot.settings.set(key, value);
  boot.steps.push(answerStep(answer, true));
  return true;
}

/** How every cfg begins (`#!version:1.0.0.1`), whatever its version. */
const VERSION_MARK = VERSION_LINE.slice(0, VERSION_LINE.indexOf(':'));

/**
 * A cfg's text: as it came when it is text (a cfg begins `#!version`), else opened with the
 * phone's key. Undefined for bytes that are no text and that the phone cannot open.
 */
function plainCfg(body: Buffer, key: Buffer | undefined): string | undefined {
  const isCfg = (bytes: Buffer): boolean =>
    bytes.subarray(0, 9).toString('latin1') === VERSION_MARK;
  if (isCfg(body)) return body.toString('utf8');
  // ECB has no padding to check: a wrong key gives bytes too, but not a cfg's first line.
  const opened = key && decryptCfg(body, key);
  if (opened && isCfg(opened)) return opened.toString('utf8');
  // eslint-disable-next-line no-control-regex
  return /[\x00-\x08\x0e-\x1f\x7f]/.test(body.toString('latin1'))
    ? undefined
    : body.toString('utf8');
}

/** Relative includes resolve against the boot file's URL; absolute ones are taken as they are. */
function resolve(include: string, bootUrl: URL): URL | undefined {
  try {
    return new URL(include, bootUrl);
  } catch {
    return undefined;
  }
}

interface After {
  identity: PhoneIdentity;
  base: URL;
  get: Get;
  fetch: PhoneFetch;
  userAgent: string;
  memory: PhoneMemory;
  boot: Boot;
}

/**
 * The files the phone keeps of its own and backs up on the server: its local changes
 * (`static.auto_provision.custom.sync`) and its local contacts
 * (`static.auto_provision.local_contact.backup.enable`). It reads the server's copy during
 * provisioning (local changes win over the cfg files), then sends its own when they differ.
 */
async function localFiles(after: After): Promise<void> {
  const settings = after.boot.settings;
  const files = [
    {
      on: settings.get('static.auto_provision.custom.sync') === '1',
      path: settings.get('static.auto_provision.custom.sync.path'),
      name: uploadName('mac-local', after.identity.mac),
      memory: LOCAL_CFG,
      empty: EMPTY_LOCAL_CFG,
      apply: true,
    },
    {
      on: settings.get('static.auto_provision.local_contact.backup.enable') === '1',
      path: settings.get('static.auto_provision.local_contact.backup.path'),
      name: uploadName('mac-contact', after.identity.mac),
      memory: LOCAL_CONTACTS,
      empty: EMPTY_CONTACTS,
      apply: false,
    },
  ];
  for (const file of files) {
    if (!file.on) continue;
    const dir = directory(file.path, after.base);
    if (!dir) {
      after.boot.steps.push(noteStep(file.path ?? '', 'not a URL'));
      continue;
    }
    const url = new URL(file.name, dir);
    const server = await after.get(url);
    const own =
      after.memory[file.memory] ??
      (server.status === 200 ? server.body.toString('utf8') : file.empty);
    if (server.status === 200 && file.apply) applyCfg(server, after.boot);
    else if (server.status === 200) after.boot.steps.push(answerStep(server, true));
    else after.boot.steps.push(missStep(server));
    after.memory[file.memory] = own;
    if (server.status === 200 && server.body.toString('utf8') === own) continue;
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      after.boot.steps.push(urlStep(url, 0, 0, false, 'not sent: uploads go over HTTP(S)'));
      continue;
    }
    await upload(after, url, Buffer.from(own, 'utf8'));
  }
}

/** A PUT of one local file; answered or not, the phone carries on. */
async function upload(after: After, url: URL, body: Buffer): Promise<void> {
  try {
    const answer = await after.fetch(url.href, { userAgent: after.userAgent, upload: body });
    const ok = answer.status >= 200 && answer.status < 300;
    after.boot.steps.push(
      urlStep(url, answer.status, body.length, false, ok ? 'uploaded' : 'upload refused'),
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    after.boot.steps.push(urlStep(url, 0, 0, false, `upload failed: ${message.slice(0, 120)}`));
  }
}

/**
 * Firmware the cfg names: the phone's own (`static.firmware.url`) and, on a DECT base, each
 * handset model's (`over_the_air.url.<model>`). An image already installed from the same URL
 * is not fetched again.
 */
async function firmware(after: After): Promise<void> {
  // Its own image first, then what it hands on to its handsets.
  const own: [string, string][] = [];
  const handsets: [string, string][] = [];
  for (const [key, value] of after.boot.settings) {
    if (value === '') continue;
    if (key === 'static.firmware.url' || key === 'firmware.url') own.push(['firmware', value]);
    const handset = /^over_the_air\.url\.([a-z0-9_]+)$/i.exec(key);
    if (handset) handsets.push([`firmware.${handset[1]!.toLowerCase()}`, value]);
  }
  const images = [...own.slice(-1), ...handsets];
  for (const [slot, value] of images) {
    if (after.memory[slot] === value) continue;
    const url = resolve(value, after.base);
    if (!url) {
      after.boot.steps.push(noteStep(value, 'not a URL'));
      continue;
    }
    const answer = await after.get(url);
    if (answer.status === 200 && answer.body.length > 0) {
      after.memory[slot] = value;
      after.boot.steps.push(answerStep(answer, true, 'installed'));
    } else {
      after.boot.steps.push(missStep(answer));
    }
  }
}

/** Where the phone keeps a local file on the server: the path its cfg names, else its base. */
function directory(path: string | undefined, base: URL): URL | undefined {
  if (path === undefined || path === '') return base;
  try {
    const url = new URL(path, base);
    return url.pathname.endsWith('/') ? url : new URL(`${url.href}/`);
  } catch {
    return undefined;
  }
}
