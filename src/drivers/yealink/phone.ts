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
  type Fetched,
} from '../phone-kit.ts';
import { NULL_VALUE } from './cfg-markers.ts';
import { COMMON_BOOT, COMMON_CFG, macBareName, macBootName, macCfgName } from './files.ts';
import { phoneAnnouncement } from './pnp.ts';
import { formatUserAgent } from './user-agent.ts';

/** A boot file may name many files; a phone stops somewhere, and so do we. */
export const MAX_INCLUDES = 64;

/**
 * What a Yealink-style phone does at boot: the first boot file that answers decides
 * which cfg files to fetch; without one, the common cfg and then the MAC cfg.
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
  const run = await runOnce(identity, baseUrl, (url, options) =>
    fetch(url, { ...options, ...(credentials ? { credentials } : {}) }),
  );
  const kept: PhoneMemory = { ...memory };
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
): Promise<PhoneRun> {
  const steps: PhoneStep[] = [];
  const settings = new Map<string, string>();
  const userAgent = formatUserAgent(identity);
  const base = parseBase(baseUrl);
  if (!base) {
    steps.push(noteStep(baseUrl, 'not a URL'));
    return { ok: false, steps, settings: {} };
  }
  const get = (url: URL): Promise<Fetched<URL>> => fetchOnce(fetch, url, userAgent);

  const file = FILE_URL.exec(new URL(baseUrl, base).pathname);
  if (file) return runFromFile(new URL(baseUrl), file[1]!.toLowerCase() === 'boot', get);

  let boot: Fetched<URL> | undefined;
  for (const name of [macBareName(identity.mac), macBootName(identity.mac), COMMON_BOOT]) {
    const answer = await get(new URL(name, base));
    if (answer.status === 200) {
      boot = answer;
      break;
    }
    steps.push(missStep(answer));
  }

  let ok: boolean;
  if (boot) {
    ok = await followBoot(boot, get, steps, settings);
  } else {
    let applied = 0;
    let broken = false;
    for (const name of [COMMON_CFG, macCfgName(identity.mac)]) {
      const answer = await get(new URL(name, base));
      if (answer.status !== 200) {
        steps.push(missStep(answer));
        continue;
      }
      if (applyCfg(answer, steps, settings)) applied++;
      else broken = true;
    }
    ok = applied > 0 && !broken;
  }
  return { ok, steps, settings: Object.fromEntries(settings) };
}

/** The phone was given one file: a boot file is followed, a cfg file applied. */
async function runFromFile(
  url: URL,
  isBoot: boolean,
  get: (url: URL) => Promise<Fetched<URL>>,
): Promise<PhoneRun> {
  const steps: PhoneStep[] = [];
  const settings = new Map<string, string>();
  const answer = await get(url);
  if (answer.status !== 200) {
    steps.push(missStep(answer));
    return { ok: false, steps, settings: {} };
  }
  const ok = isBoot
    ? await followBoot(answer, get, steps, settings)
    : applyCfg(answer, steps, settings);
  return { ok, steps, settings: Object.fromEntries(settings) };
}

/** Fetches every include in order; false when the boot file or any include failed. */
async function followBoot(
  boot: Fetched<URL>,
  get: (url: URL) => Promise<Fetched<URL>>,
  steps: PhoneStep[],
  settings: Map<string, string>,
): Promise<boolean> {
  const parsed = parseBoot(boot.body.toString('utf8'));
  if (!parsed.ok) {
    steps.push(answerStep(boot, false, parsed.error.message));
    return false;
  }
  const includes = parsed.value.includes;
  let ok = true;
  if (includes.length > MAX_INCLUDES) {
    steps.push(
      answerStep(
        boot,
        true,
        `only the first ${MAX_INCLUDES} of ${includes.length} includes are fetched`,
      ),
    );
    ok = false;
  } else {
    steps.push(answerStep(boot, true));
  }
  for (const include of includes.slice(0, MAX_INCLUDES)) {
    const url = resolve(include, boot.url);
    if (!url) {
      steps.push(noteStep(include, 'not a URL'));
      ok = false;
      continue;
    }
    const answer = await get(url);
    if (answer.status !== 200) {
      steps.push(missStep(answer));
      ok = false;
      continue;
    }
    if (!applyCfg(answer, steps, settings)) ok = false;
  }
  return ok;
}

/** Applies one cfg over the settings so far: later files override earlier ones. */
function applyCfg(
  answer: Fetched<URL>,
  steps: PhoneStep[],
  settings: Map<string, string>,
): boolean {
  const parsed = parseCfg(answer.body.toString('utf8'), { emptyValue: NULL_VALUE });
  if (!parsed.ok) {
    steps.push(answerStep(answer, false, parsed.error.message));
    return false;
  }
  for (const [key, value] of parsed.value) settings.set(key, value);
  steps.push(answerStep(answer, true));
  return true;
}

/** Relative includes resolve against the boot file's URL; absolute ones are taken as they are. */
function resolve(include: string, bootUrl: URL): URL | undefined {
  try {
    return new URL(include, bootUrl);
  } catch {
    return undefined;
  }
}
