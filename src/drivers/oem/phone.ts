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
import { parseAnswer, parsePlain } from './format.ts';
import { MANIFEST } from './recognise.ts';
import { splitClass } from './request.ts';
import { DEFAULT_CLASS, formatUserAgent } from './user-agent.ts';
import { phoneAnnouncement } from './pnp.ts';

/**
 * What a Plug-n-Dial device does (seed 000): the app request, then currentversion.txt; an
 * image it does not have yet is downloaded, after which it would reboot and start over.
 */
export const oemPhone: PhoneScript = {
  userAgent: formatUserAgent,
  run: runPhone,
  plugAndPlay: phoneAnnouncement,
};

async function runPhone(
  identity: PhoneIdentity,
  baseUrl: string,
  fetch: PhoneFetch,
  memory: PhoneMemory = {},
): Promise<PhoneRun> {
  const kept: PhoneMemory = { ...memory };
  const steps: PhoneStep[] = [];
  const settings: Record<string, string> = {};
  const base = parseBase(baseUrl);
  if (!base) {
    return {
      ok: false,
      steps: [noteStep(baseUrl, 'not a URL')],
      settings,
      memory: kept,
    };
  }
  const userAgent = formatUserAgent(identity);
  const deviceClass = identity.model ?? DEFAULT_CLASS;
  const { oem, model } = splitClass(deviceClass);

  const request = `${deviceClass}/app?class=${deviceClass};mac_address=${identity.mac}`;
  // TFTP has no query: the request goes whole as the file name (see the pipeline).
  const appUrl = new URL(base.protocol === 'tftp:' ? request.replace('?', '%3F') : request, base);
  const app = await fetchOnce(fetch, appUrl, userAgent);
  if (app.status !== 200) {
    steps.push(urlStep(appUrl, app.status, 0, false, missNote(app)));
    return { ok: false, steps, settings, memory: kept };
  }
  const values = readAnswer(app.body, identity.configKey);
  if (typeof values === 'string') {
    steps.push(urlStep(appUrl, 200, app.body.length, false, values));
    return { ok: false, steps, settings, memory: kept };
  }
  Object.assign(settings, Object.fromEntries(values.map));
  steps.push(urlStep(appUrl, 200, app.body.length, true, values.form));

  const dir = new URL(`firmware/${oem}/${model}/`, base);
  const manifestUrl = new URL(MANIFEST, dir);
  const manifest = await fetchOnce(fetch, manifestUrl, userAgent);
  if (manifest.status !== 200) {
    // No currentversion.txt: nothing to update, the boot goes on.
    steps.push(
      urlStep(manifestUrl, manifest.status, 0, false, manifest.error ?? 'no update offered'),
    );
    return { ok: manifest.status === 404, steps, settings, memory: kept };
  }
  const parsed = parsePlain(manifest.body.toString('utf8'));
  const image = parsed.ok ? parsed.value.get('Image_file') : undefined;
  if (!parsed.ok || !image) {
    steps.push(
      urlStep(
        manifestUrl,
        200,
        manifest.body.length,
        false,
        parsed.ok ? 'no Image_file' : parsed.error.message,
      ),
    );
    return { ok: false, steps, settings, memory: kept };
  }
  steps.push(urlStep(manifestUrl, 200, manifest.body.length, true));
  let ok = true;
  for (const [slot, file] of [
    ['image', image],
    ['prom', parsed.value.get('Prom_file')],
  ] as const) {
    if (!file) continue;
    const url = new URL(file, dir);
    if (kept[slot] === file) {
      steps.push(urlStep(url, 0, 0, false, 'already installed; not fetched'));
      continue;
    }
    const answer = await fetchOnce(fetch, url, userAgent);
    if (answer.status === 200 && answer.body.length > 0) {
      kept[slot] = file;
      steps.push(urlStep(url, 200, answer.body.length, true, 'installed; the device reboots'));
    } else {
      steps.push(
        urlStep(url, answer.status, answer.body.length, false, answer.error ?? 'not fetched'),
      );
      ok = false;
    }
  }
  return { ok, steps, settings, memory: kept };
}

function readAnswer(
  body: Buffer,
  configKey: string | undefined,
): { form: string; map: Map<string, string> } | string {
  const parsed = parseAnswer(body.toString('utf8'));
  if (!parsed.ok) return parsed.error.message;
  if (parsed.value.form !== 'encrypted')
    return { form: parsed.value.form, map: parsed.value.values };
  if (!configKey) return 'encrypted, and the device holds no key';
  const sealed = Buffer.from(parsed.value.hex, 'hex');
  for (const cipher of ['aes-256-cbc', 'aes-256-ecb'] as CipherName[]) {
    const key = cipherKey(cipher, configKey);
    const plain = key && decryptConfig(cipher, sealed, key);
    if (!plain) continue;
    const inner = parseAnswer(plain.toString('utf8'));
    if (inner.ok && inner.value.form !== 'encrypted')
      return { form: `encrypted ${inner.value.form}`, map: inner.value.values };
  }
  return 'cannot decrypt with the configured key';
}
