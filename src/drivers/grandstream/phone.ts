import { createHash } from 'node:crypto';

import { openPassphrase } from '../../crypto/config-cipher.ts';
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
import { decodeBinary } from './binary.ts';
import { COMMON_XML, PHONEBOOK, macBinaryName, macXmlName, modelXmlName } from './files.ts';
import { parseGsXml } from './format.ts';
import { DEFAULT_MODEL, firmwareFileOf } from './models.ts';
import { phoneAnnouncement } from './pnp.ts';
import { formatUserAgent } from './user-agent.ts';

/**
 * What a Grandstream phone does at boot (SIP Device Provisioning Guide, "Provisioning
 * flow"): the legacy binary `cfg<mac>`, then `cfg<mac>.xml`, else `cfg<model>.xml`, else
 * `cfg.xml`; each file it gets is applied. Then the firmware image of its series from its
 * firmware path, unless it installed that image already, and its phonebook. A file whose
 * content it already applied is not applied again. Credentials a file gives it (Config
 * Server User Name/Password) are presented from then on.
 */
export const grandstreamPhone: PhoneScript = {
  userAgent: formatUserAgent,
  run: runPhone,
  plugAndPlay: phoneAnnouncement,
};

// Each setting by its alias and its P-value: the phone applies both forms to one setting.
const NAMES = {
  user: ['provisioning.config.username', 'P1360'],
  password: ['provisioning.config.password', 'P1361'],
  firmwarePath: ['provisioning.firmware.serverPath', 'P192'],
  firmwareVia: ['provisioning.firmware.protocol', 'P6767'],
  phonebookPath: ['phonebook.download.server', 'P331'],
  phonebookVia: ['phonebook.download.mode', 'P330'],
} as const;

const SCHEMES: Readonly<Record<string, string>> = {
  TFTP: 'tftp',
  HTTP: 'http',
  HTTPS: 'https',
  '0': 'tftp',
  '1': 'http',
  '2': 'https',
};
const PHONEBOOK_SCHEMES: Readonly<Record<string, string>> = {
  EnabledUseHTTP: 'http',
  EnabledUseTFTP: 'tftp',
  EnabledUseHTTPS: 'https',
  '1': 'http',
  '2': 'tftp',
  '3': 'https',
};

async function runPhone(
  identity: PhoneIdentity,
  baseUrl: string,
  fetch: PhoneFetch,
  memory: PhoneMemory = {},
): Promise<PhoneRun> {
  const kept: PhoneMemory = { ...memory };
  const steps: PhoneStep[] = [];
  const settings = new Map<string, string>();
  // A URL naming a file (`…/cfg.xml`) stands for its directory: the phone's Config Server Path.
  const base = parseBase(baseUrl.replace(/\/cfg[^/]*$/i, '/'));
  if (!base)
    return { ok: false, steps: [noteStep(baseUrl, 'not a URL')], settings: {}, memory: kept };
  const userAgent = formatUserAgent(identity);
  const credentials =
    kept['credentials.username'] && kept['credentials.password']
      ? { username: kept['credentials.username'], password: kept['credentials.password'] }
      : undefined;
  const get = (url: URL): Promise<Fetched<URL>> =>
    fetchOnce(
      (u, options) => fetch(u, { ...options, ...(credentials ? { credentials } : {}) }),
      url,
      userAgent,
    );
  const model = identity.model ?? DEFAULT_MODEL;
  let ok = true;
  let found = 0;

  /** Applies one answer; false when it is there but cannot be read. */
  const apply = (answer: Fetched<URL>, name: string, binary: boolean): boolean => {
    let values: Map<string, string>;
    let plain = answer.body;
    if (binary) {
      const decoded = decodeBinary(answer.body);
      if (!decoded.ok) {
        steps.push(
          answerStep(answer, false, `not a binary configuration file (${decoded.problem})`),
        );
        return false;
      }
      if (decoded.mac !== identity.mac) {
        steps.push(answerStep(answer, false, `made for ${decoded.mac}, not this phone`));
        return false;
      }
      values = decoded.values;
    } else {
      if (answer.body.subarray(0, 8).toString('latin1') === 'Salted__') {
        const opened = identity.configKey
          ? openPassphrase(answer.body, identity.configKey)
          : undefined;
        if (!opened) {
          steps.push(
            answerStep(answer, false, 'encrypted; cannot decrypt with the configured key'),
          );
          return false;
        }
        plain = opened;
      }
      const parsed = parseGsXml(plain.toString('utf8'));
      if (!parsed.ok) {
        steps.push(answerStep(answer, false, parsed.error.message));
        return false;
      }
      // The phone refuses a file whose MAC header is another phone's.
      if (parsed.value.mac !== undefined && parsed.value.mac.toLowerCase() !== identity.mac) {
        steps.push(answerStep(answer, false, `MAC header ${parsed.value.mac} is not this phone`));
        return false;
      }
      values = parsed.value.values;
    }
    found++;
    const version = createHash('sha256').update(plain).digest('hex').slice(0, 16);
    const slot = `version:${name}`;
    for (const [key, value] of values) settings.set(key, value);
    if (kept[slot] === version) {
      steps.push(answerStep(answer, false, 'unchanged since it was last applied'));
      return true;
    }
    kept[slot] = version;
    steps.push(answerStep(answer, true, `${values.size} settings`));
    return true;
  };

  const binary = await get(new URL(macBinaryName(identity.mac), base));
  if (binary.status === 200) ok = apply(binary, macBinaryName(identity.mac), true) && ok;
  else steps.push(missStep(binary));
  for (const name of [macXmlName(identity.mac), modelXmlName(model), COMMON_XML]) {
    const answer = await get(new URL(name, base));
    if (answer.status !== 200) {
      steps.push(missStep(answer));
      continue;
    }
    ok = apply(answer, name, false) && ok;
    break;
  }
  if (found === 0) ok = false;

  const setting = (names: readonly string[]): string | undefined =>
    names.map((n) => settings.get(n)).find((v) => v !== undefined && v !== '');
  const user = setting(NAMES.user);
  const password = setting(NAMES.password);
  if (user && password) {
    kept['credentials.username'] = user;
    kept['credentials.password'] = password;
  }

  // A path a file leaves out keeps its value on the phone.
  const firmwarePath = setting(NAMES.firmwarePath);
  if (firmwarePath) {
    kept['setting:firmware'] =
      `${SCHEMES[setting(NAMES.firmwareVia) ?? 'HTTP'] ?? 'http'}://${firmwarePath}`;
  }
  const firmware = kept['setting:firmware'];
  if (ok && firmware) {
    const image = join(firmware, firmwareFileOf(model));
    if (!image) steps.push(noteStep(firmware, 'the firmware path is not a URL'));
    else if (kept['image'] === image.href)
      steps.push(noteStep(image.href, 'image already installed; not fetched'));
    else {
      const answer = await get(image);
      if (answer.status === 200 && answer.body.length > 0) {
        kept['image'] = image.href;
        kept['image.sha256'] = createHash('sha256').update(answer.body).digest('hex');
        steps.push(answerStep(answer, true, 'image installed; the phone reboots'));
      } else steps.push(answerStep(answer, false, 'no image there: the phone keeps its firmware'));
    }
  }

  const phonebookPath = setting(NAMES.phonebookPath);
  const via = PHONEBOOK_SCHEMES[setting(NAMES.phonebookVia) ?? ''];
  if (ok && phonebookPath && via) {
    const url = join(`${via}://${phonebookPath}`, PHONEBOOK);
    const answer = url ? await get(url) : undefined;
    if (answer && answer.status === 200) {
      const contacts = (answer.body.toString('utf8').match(/<Contact>/g) ?? []).length;
      steps.push(answerStep(answer, true, `phonebook: ${contacts} contacts`));
    } else if (answer) steps.push(missStep(answer));
  }
  return { ok, steps, settings: Object.fromEntries(settings), memory: kept };
}

function join(directory: string, file: string): URL | undefined {
  try {
    return new URL(file, directory.endsWith('/') ? directory : `${directory}/`);
  } catch {
    return undefined;
  }
}
