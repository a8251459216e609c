import { createHash } from 'node:crypto';

import { cipherKey, decryptConfig, type CipherName } from '../../crypto/config-cipher.ts';
import type {
  PhoneFetch,
  PhoneIdentity,
  PhoneMemory,
  PhoneRun,
  PhoneScript,
  PhoneStep,
} from '../driver.ts';
import { fetchOnce, missNote, noteStep, parseBase, urlStep } from '../phone-kit.ts';
import { macFileName } from './files.ts';
import { parseConfig } from './format.ts';
import { generalFileOf } from './models.ts';
import { fanvilCpe } from './tr069.ts';
import { DEFAULT_MODEL, formatUserAgent } from './user-agent.ts';
import { phoneAnnouncement } from './pnp.ts';

const IMAGE = 'Auto Image Url';

/**
 * What a Fanvil phone does (seed 004 §1.2): the general file of its model, then its own
 * file (`<mac>.cfg`, or the name typed at `$input`). A file whose version the phone already
 * applied is fetched but not applied. Then, if a file names an image it has not installed,
 * it downloads it (and would reboot).
 */
export const fanvilPhone: PhoneScript = {
  userAgent: formatUserAgent,
  run: runPhone,
  plugAndPlay: phoneAnnouncement,
  tr069: fanvilCpe,
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
  const base = parseBase(baseUrl);
  if (!base) {
    return {
      ok: false,
      steps: [noteStep(baseUrl, 'not a URL')],
      settings: {},
      memory: kept,
    };
  }
  const userAgent = formatUserAgent(identity);
  const own = identity.input
    ? /\.(cfg|txt|xml)$/i.test(identity.input)
      ? identity.input
      : `${identity.input}.cfg`
    : macFileName(identity.mac);
  const files = [generalFileOf(identity.model ?? DEFAULT_MODEL), own];
  let ok = true;
  let found = 0;
  for (const name of files) {
    const url = new URL(name, base);
    const answer = await fetchOnce(fetch, url, userAgent);
    if (answer.status !== 200) {
      steps.push(urlStep(url, answer.status, 0, false, missNote(answer)));
      continue;
    }
    found++;
    const plain = identity.configKey ? decrypt(answer.body, identity.configKey) : answer.body;
    if (!plain) {
      steps.push(
        urlStep(url, 200, answer.body.length, false, 'cannot decrypt with the configured key'),
      );
      ok = false;
      continue;
    }
    const parsed = parseConfig(plain.toString('utf8'));
    if (!parsed.ok) {
      steps.push(urlStep(url, 200, answer.body.length, false, parsed.error.message));
      ok = false;
      continue;
    }
    const version = parsed.value.version ?? digest(plain);
    const slot = `version:${name.toLowerCase()}`;
    if (kept[slot] === version) {
      steps.push(
        urlStep(url, 200, answer.body.length, false, `version ${version} already applied`),
      );
      continue;
    }
    kept[slot] = version;
    for (const [key, value] of parsed.value.values) settings.set(key, value);
    steps.push(urlStep(url, 200, answer.body.length, true, `version ${version}`));
  }
  if (found === 0) ok = false;

  // A key a file leaves out keeps its value on the phone: the last image URL it was given.
  if (settings.has(IMAGE)) kept['setting:image'] = settings.get(IMAGE)!;
  const image = kept['setting:image'];
  if (ok && image) {
    if (kept['image'] === image) {
      steps.push(urlStep(safeUrl(image), 0, 0, false, 'image already installed; not fetched'));
    } else {
      const url = safeUrl(image);
      const answer = await fetchOnce(fetch, url, userAgent);
      if (answer.status === 200 && answer.body.length > 0) {
        kept['image'] = image;
        kept['image.sha256'] = createHash('sha256').update(answer.body).digest('hex');
        steps.push(
          urlStep(url, 200, answer.body.length, true, 'image installed; the phone reboots'),
        );
      } else {
        steps.push(
          urlStep(
            url,
            answer.status,
            answer.body.length,
            false,
            answer.error ?? 'image not fetched',
          ),
        );
        ok = false;
      }
    }
  }
  return { ok, steps, settings: Object.fromEntries(settings), memory: kept };
}

/** The phone holds a key and no word on the mode: try the schemes plugndial writes. */
function decrypt(body: Buffer, keyText: string): Buffer | undefined {
  for (const cipher of ['aes-256-cbc', 'aes-256-ecb'] as CipherName[]) {
    const key = cipherKey(cipher, keyText);
    const plain = key && decryptConfig(cipher, body, key);
    if (plain && plain.subarray(0, 32).toString('utf8').includes('<')) return plain;
  }
  return undefined;
}

function digest(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

function safeUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    return new URL('invalid:');
  }
}
