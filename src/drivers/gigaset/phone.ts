import { parseXml, type XmlElement } from '../../formats/xml.ts';
import { formatMac } from '../../model/mac.ts';
import type {
  PhoneFetch,
  PhoneIdentity,
  PhoneMemory,
  PhoneRun,
  PhoneScript,
  PhoneStep,
} from '../driver.ts';
import { answerStep, fetchOnce, missStep, noteStep, type Fetched } from '../phone-kit.ts';
import { CATEGORIES, PROVISIONING, type Category } from './files.ts';
import { DEFAULT_MODEL, modelByName } from './models.ts';
import { formatUserAgent } from './user-agent.ts';
import { phoneAnnouncement } from './pnp.ts';

/** A scenario may list many steps; a phone stops somewhere, and so do we. */
export const MAX_STEPS = 16;

/** What the phone keeps: the UVC per category and every parameter it applied. */
const UVC = 'uvc/';
const PARAM = 'param/';

interface Run {
  identity: PhoneIdentity;
  productId: string;
  macAddress: string;
  get(url: string): Promise<Fetched>;
  steps: PhoneStep[];
  memory: PhoneMemory;
  ok: boolean;
}

/**
 * What a Maxwell does (seed 002): `<url>` once, `<url>/provisioning.xml` with one retry,
 * else `<url>/<MAC>.xml`. Provisioning 1.0: per category the updates file, and only when
 * its newest UVC differs from the one stored, the file it points to, whose UVC is stored
 * once applied. Provisioning 1.1: firmware by version, parameters every time.
 */
export const gigasetPhone: PhoneScript = {
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
  const userAgent = formatUserAgent(identity);
  const model = modelByName(identity.model) ?? DEFAULT_MODEL;
  const run: Run = {
    identity,
    productId: model.productId,
    macAddress: formatMac(identity.mac, 'colon'),
    get: (url) => fetchOnce(fetch, url, userAgent),
    steps: [],
    memory: { ...memory },
    ok: true,
  };
  const url = expand(baseUrl, identity, model.dvid);
  const start = await locate(run, url);
  if (!start) {
    run.ok = false;
  } else if (start.root.attributes['version'] === '1.1') {
    await applySingle(run, start);
  } else {
    await followChain(run, start);
  }
  return { ok: run.ok, steps: run.steps, settings: paramsOf(run.memory), memory: run.memory };
}

/** `%MACD`, `%MACC` and `%DVID` as the phone fills them in. */
function expand(url: string, identity: PhoneIdentity, dvid: string): string {
  return url
    .replace(/%MACD/g, formatMac(identity.mac, 'BARE'))
    .replace(/%MACC/g, formatMac(identity.mac, 'COLON'))
    .replace(/%DVID/g, dvid);
}

interface Start {
  url: string;
  root: XmlElement;
}

async function locate(run: Run, url: string): Promise<Start | undefined> {
  const dir = url.replace(/\/+$/, '');
  const candidates = [
    url,
    `${dir}/${PROVISIONING}`,
    `${dir}/${PROVISIONING}`,
    `${dir}/${formatMac(run.identity.mac, 'BARE')}.xml`,
  ];
  for (const candidate of candidates) {
    const answer = await run.get(candidate);
    if (answer.status !== 200) {
      run.steps.push(missStep(answer));
      continue;
    }
    const root = readRoot(answer, 'provisioning');
    // A URL naming a directory may answer with anything; the phone then tries the names.
    if (typeof root === 'string') {
      run.steps.push(answerStep(answer, false, root));
      continue;
    }
    const refused = refusal(run, root);
    if (refused) {
      run.steps.push(answerStep(answer, false, refused));
      return undefined;
    }
    run.steps.push(answerStep(answer, true));
    return { url: answer.url, root };
  }
  return undefined;
}

async function followChain(run: Run, start: Start): Promise<void> {
  const seen = new Set<Category>();
  for (const category of start.root.children.filter((c) => c.name === 'category')) {
    const type = category.attributes['type'] as Category;
    // Each category once, and only the three the phone knows.
    if (!CATEGORIES.includes(type) || seen.has(type)) continue;
    seen.add(type);
    const url = resolve(category.attributes['url'], start.url);
    if (!url) {
      run.steps.push(noteStep(category.attributes['url'] ?? '', 'not a URL'));
      run.ok = false;
      continue;
    }
    await followCategory(run, type, url);
  }
}

async function followCategory(run: Run, type: Category, url: string): Promise<void> {
  const answer = await run.get(url);
  if (answer.status !== 200) {
    run.steps.push(missStep(answer));
    run.ok = false;
    return;
  }
  const root = readRoot(answer, type === 'custom' ? 'scenario' : type);
  const refused = typeof root === 'string' ? root : refusal(run, root);
  if (refused || typeof root === 'string') {
    run.steps.push(answerStep(answer, false, refused));
    run.ok = false;
    return;
  }
  const uvc =
    type === 'custom' ? root.attributes['version'] : newestFile(root)?.attributes['version'];
  if (!uvc) {
    run.steps.push(answerStep(answer, false, 'no version'));
    run.ok = false;
    return;
  }
  if (run.memory[`${UVC}${type}`] === uvc) {
    run.steps.push(answerStep(answer, false, `UVC ${uvc} already applied`));
    return;
  }
  run.steps.push(answerStep(answer, true, `UVC ${uvc} is new`));
  const applied =
    type === 'custom'
      ? await applyScenario(run, root, answer.url)
      : await applyFile(run, type, newestFile(root)!, answer.url);
  // Stored only once the whole category is applied; a failure is retried next time.
  if (applied) run.memory[`${UVC}${type}`] = uvc;
  else run.ok = false;
}

/** Several `<file>` entries may be listed: only the newest counts. */
function newestFile(root: XmlElement): XmlElement | undefined {
  let newest: XmlElement | undefined;
  for (const file of root.children.filter((c) => c.name === 'file')) {
    const version = file.attributes['version'] ?? '';
    const best = newest?.attributes['version'] ?? '';
    if (!newest || version.localeCompare(best, 'en', { numeric: true }) > 0) newest = file;
  }
  return newest;
}

async function applyFile(
  run: Run,
  type: 'firmware' | 'nvm',
  file: XmlElement,
  base: string,
): Promise<boolean> {
  const url = resolve(file.attributes['url'], base);
  if (!url) {
    run.steps.push(noteStep(file.attributes['url'] ?? '', 'not a URL'));
    return false;
  }
  const answer = await run.get(url);
  if (answer.status !== 200 || answer.body.length === 0) {
    run.steps.push(missStep(answer));
    return false;
  }
  if (type === 'firmware') {
    run.memory['firmware/url'] = url;
    run.steps.push(answerStep(answer, true, 'firmware image'));
    return true;
  }
  const root = readRoot(answer, 'settings');
  const refused = typeof root === 'string' ? root : refusal(run, root);
  if (refused || typeof root === 'string') {
    run.steps.push(answerStep(answer, false, refused));
    return false;
  }
  applyParams(run, root);
  run.steps.push(answerStep(answer, true));
  return true;
}

async function applyScenario(run: Run, root: XmlElement, base: string): Promise<boolean> {
  const steps = root.children.filter((c) => c.name === 'step');
  let ok = true;
  for (const [index, item] of steps.slice(0, MAX_STEPS).entries()) {
    if (item.attributes['type'] !== 'certificate') {
      run.steps.push(
        noteStep(item.attributes['url'] ?? '', `step type "${item.attributes['type']}" skipped`),
      );
      continue;
    }
    const url = resolve(item.attributes['url'], base);
    const answer = url ? await run.get(url) : undefined;
    if (!answer || answer.status !== 200) {
      run.steps.push(
        answer ? missStep(answer) : noteStep(item.attributes['url'] ?? '', 'not a URL'),
      );
      ok = false;
      continue;
    }
    const form = certificateForm(answer.body);
    if (!form) {
      run.steps.push(answerStep(answer, false, 'neither a PEM nor a DER certificate'));
      ok = false;
      continue;
    }
    run.memory[`certificate/${index}`] = answer.url;
    run.steps.push(answerStep(answer, true, `${form} certificate`));
  }
  if (steps.length > MAX_STEPS) {
    run.steps.push(
      noteStep(base, `only the first ${MAX_STEPS} of ${steps.length} steps are taken`),
    );
    ok = false;
  }
  return ok;
}

/** Provisioning 1.1: firmware when its version differs from the one installed, then parameters. */
async function applySingle(run: Run, start: Start): Promise<void> {
  const file = newestFile(start.root.children.find((c) => c.name === 'firmware') ?? start.root);
  const installed = run.memory['firmware/version'] ?? run.identity.firmware;
  const version = file?.attributes['version'];
  if (file && version !== undefined && version !== installed) {
    if (await applyFile(run, 'firmware', file, start.url)) run.memory['firmware/version'] = version;
    else run.ok = false;
  }
  const nvm = start.root.children.find((c) => c.name === 'nvm');
  if (nvm) applyParams(run, nvm);
}

function applyParams(run: Run, parent: XmlElement): void {
  for (const param of parent.children) {
    const name = param.attributes['name'];
    if (param.name !== 'param' || name === undefined) continue;
    run.memory[`${PARAM}${name}`] = param.attributes['value'] ?? '';
  }
}

/** Why the phone refuses a file meant for another product or another phone, if it does. */
function refusal(run: Run, root: XmlElement): string | undefined {
  const productId = root.attributes['productID'];
  if (productId !== run.productId) {
    return `productID "${(productId ?? '').slice(0, 32)}" is not this phone's (${run.productId})`;
  }
  const macAddress = root.attributes['macAddress'];
  if (macAddress !== undefined && macAddress !== run.macAddress) {
    return `macAddress ${macAddress.slice(0, 17)} is not this phone's`;
  }
  return undefined;
}

/** The document element, or why there is none of the expected name. */
function readRoot(answer: Fetched, name: string): XmlElement | string {
  const parsed = parseXml(answer.body.toString('utf8'));
  if (!parsed.ok) return parsed.error.message;
  const elements = parsed.value.children;
  if (elements.length !== 1 || elements[0]!.name !== name) return `not a <${name}> file`;
  return elements[0]!;
}

function certificateForm(body: Buffer): 'PEM' | 'DER' | undefined {
  if (body.toString('latin1', 0, 64).includes('-----BEGIN CERTIFICATE-----')) return 'PEM';
  // A DER certificate is one ASN.1 SEQUENCE with a long-form length.
  return body[0] === 0x30 && body[1] !== undefined && body[1] >= 0x81 ? 'DER' : undefined;
}

function paramsOf(memory: PhoneMemory): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(memory)) {
    if (key.startsWith(PARAM)) params[key.slice(PARAM.length)] = value;
  }
  return params;
}

function resolve(url: string | undefined, base: string): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url, base).href;
  } catch {
    return undefined;
  }
}
