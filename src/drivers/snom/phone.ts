import { createHash } from 'node:crypto';

import { parseXml, type XmlElement } from '../../formats/xml.ts';
import type {
  PhoneFetch,
  PhoneIdentity,
  PhoneMemory,
  PhoneRun,
  PhoneScript,
  PhoneStep,
} from '../driver.ts';
import { answerStep, fetchOnce, missStep, noteStep, parseBase, shownUrl } from '../phone-kit.ts';
import { macHtmName, modelHtmName, upperMac } from './files.ts';
import { phoneAnnouncement } from './pnp.ts';
import { DEFAULT_MODEL, formatUserAgent } from './user-agent.ts';

/** A container may name setting files that name more; the phone stops here. */
const MAX_FILES = 24;
const MAX_DEPTH = 2;

export const snomPhone: PhoneScript = {
  userAgent: formatUserAgent,
  run: runPhone,
  plugAndPlay: phoneAnnouncement,
};

interface Session {
  fetch: PhoneFetch;
  userAgent: string;
  credentials: { username: string; password: string } | undefined;
  kept: PhoneMemory;
  steps: PhoneStep[];
  settings: Map<string, string>;
  fetched: number;
  seen: Set<string>;
  failed: boolean;
}

/**
 * One boot of a Snom desk phone (Snom wiki, Auto Provisioning): given a setting server URL
 * without a file name it asks for `snom<model>.htm`, then `snom<model>-<MAC>.htm`; a URL with
 * a file name is fetched as it is, `{mac}` and `{phone_type}` filled in. `<setting-files>`
 * lists are followed; `<settings>`, `<phone-settings>`, `<functionKeys>`, `<tbook>` applied.
 * A file whose bytes were applied before is not applied again. Then `firmware_status`, when
 * `update_policy` is `auto_update`, and the image it names unless that one is installed.
 */
async function runPhone(
  identity: PhoneIdentity,
  baseUrl: string,
  fetch: PhoneFetch,
  memory: PhoneMemory = {},
): Promise<PhoneRun> {
  const kept: PhoneMemory = { ...memory };
  const model = identity.model ?? DEFAULT_MODEL;
  const filled = baseUrl
    .replace(/\{mac\}/gi, upperMac(identity.mac))
    .replace(/\{phone_type\}/gi, `snom${model}`);
  const base = parseBase(filled.replace(/[^/]*$/, ''));
  if (!base)
    return { ok: false, steps: [noteStep(baseUrl, 'not a URL')], settings: {}, memory: kept };
  const own = /\/[^/]+$/.test(new URL(filled).pathname)
    ? [new URL(filled)]
    : [new URL(modelHtmName(model), base), new URL(macHtmName(model, identity.mac), base)];
  const session: Session = {
    fetch,
    userAgent: formatUserAgent(identity),
    credentials: keptCredentials(kept, new URL(filled)),
    kept,
    steps: [],
    settings: new Map(),
    fetched: 0,
    seen: new Set(),
    failed: false,
  };
  let found = 0;
  for (const url of own) if (await settingFile(session, url, 0)) found++;
  await firmware(session);
  return {
    ok: found > 0 && !session.failed,
    steps: session.steps,
    settings: Object.fromEntries(session.settings),
    memory: kept,
  };
}

/** Fetches and applies one file; true when it was there (200) and readable. */
async function settingFile(session: Session, url: URL, depth: number): Promise<boolean> {
  if (session.seen.has(url.href) || session.fetched >= MAX_FILES) {
    session.steps.push(
      noteStep(shownUrl(url), 'not fetched: already on the way, or too many files'),
    );
    return false;
  }
  session.seen.add(url.href);
  session.fetched++;
  const answer = await fetchOnce(phoneFetch(session), url, session.userAgent);
  if (answer.status !== 200) {
    session.steps.push(missStep(answer));
    return false;
  }
  const parsed = parseXml(answer.body.toString('utf8'));
  if (!parsed.ok) {
    session.steps.push(answerStep(answer, false, parsed.error.message));
    session.failed = true;
    return false;
  }
  const root = parsed.value.children[0];
  if (root?.name === 'setting-files') {
    session.steps.push(answerStep(answer, false, 'setting files'));
    for (const file of root.children.filter((c) => c.name === 'file').slice(0, MAX_FILES)) {
      const target = resolve(file.attributes['url'] ?? '', url);
      if (!target || depth >= MAX_DEPTH) {
        session.steps.push(noteStep(file.attributes['url'] ?? '', 'not a URL the phone follows'));
        continue;
      }
      // A file the list names and the phone could not fetch or read fails the boot: the server
      // said it was there. One already fetched in this boot is no failure.
      const fresh = !session.seen.has(target.href) && session.fetched < MAX_FILES;
      if (!(await settingFile(session, target, depth + 1)) && fresh) session.failed = true;
    }
    return true;
  }
  const digest = createHash('sha256').update(answer.body).digest('hex').slice(0, 16);
  const slot = `sha:${url.pathname.split('/').pop()!.toLowerCase()}`;
  const values = readSettings(root);
  if (!values) {
    session.steps.push(answerStep(answer, false, 'no Snom settings in it'));
    session.failed = true;
    return false;
  }
  // What an unchanged file sets is on the phone already.
  for (const [key, value] of values) session.settings.set(key, value);
  // A setting server with credentials: the phone presents them from its next request on.
  const server = values.get('setting_server');
  if (server) {
    keepCredentials(session.kept, server);
    session.credentials = keptCredentials(session.kept, url);
  }
  if (session.kept[slot] === digest) {
    session.steps.push(answerStep(answer, false, 'unchanged since last applied'));
  } else {
    session.kept[slot] = digest;
    session.steps.push(answerStep(answer, true, `${values.size} settings`));
  }
  return true;
}

/** `name` or `name[idx]` for settings, `fkey[idx]`, `tbook[index]` = `name number`, `firmware`. */
function readSettings(root: XmlElement | undefined): Map<string, string> | undefined {
  if (!root) return undefined;
  const out = new Map<string, string>();
  const read = (element: XmlElement): void => {
    switch (element.name) {
      case 'settings':
        element.children.forEach(read);
        return;
      case 'phone-settings':
        for (const s of element.children) {
          const idx = s.attributes['idx'];
          out.set(idx === undefined ? s.name : `${s.name}[${idx}]`, s.text.trim());
        }
        return;
      case 'functionKeys':
      case 'function-keys':
        for (const k of element.children)
          if (k.name === 'fkey') out.set(`fkey[${k.attributes['idx'] ?? ''}]`, k.text.trim());
        return;
      case 'tbook':
      case 'phone-book':
        for (const item of element.children) {
          const field = (name: string): string =>
            item.children.find((c) => c.name === name)?.text.trim() ?? '';
          out.set(
            `tbook[${item.attributes['index'] ?? out.size}]`,
            `${field('name')} ${field('number')}`,
          );
        }
        return;
      case 'firmware-settings':
        for (const f of element.children)
          if (f.name === 'firmware') out.set('firmware', f.text.trim());
        return;
    }
  };
  read(root);
  return [
    'settings',
    'phone-settings',
    'functionKeys',
    'function-keys',
    'tbook',
    'phone-book',
    'firmware-settings',
  ].includes(root.name)
    ? out
    : undefined;
}

/** `firmware_status` names the firmware setting file; its `<firmware>` the image. */
async function firmware(session: Session): Promise<void> {
  const status = session.settings.get('firmware_status');
  if (!status || session.settings.get('update_policy') !== 'auto_update') return;
  const url = resolve(status, undefined);
  if (!url) {
    session.steps.push(noteStep(status, 'firmware_status is not a URL'));
    return;
  }
  const answer = await fetchOnce(phoneFetch(session), url, session.userAgent);
  if (answer.status !== 200) {
    // No image to offer is no failure: the phone keeps what it runs.
    session.steps.push(missStep(answer));
    return;
  }
  const parsed = parseXml(answer.body.toString('utf8'));
  const image = parsed.ok ? readSettings(parsed.value.children[0])?.get('firmware') : undefined;
  if (!image) {
    session.steps.push(answerStep(answer, false, 'no <firmware> in it'));
    session.failed = true;
    return;
  }
  session.steps.push(answerStep(answer, true, 'firmware setting file'));
  if (session.kept['image'] === image) {
    session.steps.push(noteStep(image, 'image already installed; not fetched'));
    return;
  }
  const imageUrl = resolve(image, url);
  const got = imageUrl
    ? await fetchOnce(phoneFetch(session), imageUrl, session.userAgent)
    : undefined;
  if (!got || got.status !== 200 || got.body.length === 0) {
    session.steps.push(got ? missStep(got) : noteStep(image, 'not a URL'));
    session.failed = true;
    return;
  }
  session.kept['image'] = image;
  session.kept['image.sha256'] = createHash('sha256').update(got.body).digest('hex');
  session.steps.push(answerStep(got, true, 'image installed; the phone reboots'));
}

function phoneFetch(session: Session): PhoneFetch {
  const credentials = session.credentials;
  return (url, options) =>
    session.fetch(url, { ...options, ...(credentials ? { credentials } : {}) });
}

function resolve(text: string, base: URL | undefined): URL | undefined {
  try {
    return base ? new URL(text, base) : new URL(text);
  } catch {
    return undefined;
  }
}

/** The credentials the phone holds: from its last setting_server, else the URL it was given. */
function keptCredentials(
  kept: PhoneMemory,
  url: URL,
): { username: string; password: string } | undefined {
  if (kept['credentials.user'] && kept['credentials.password'])
    return { username: kept['credentials.user'], password: kept['credentials.password'] };
  return url.username
    ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) }
    : undefined;
}

function keepCredentials(kept: PhoneMemory, server: string): void {
  const url = resolve(server, undefined);
  if (!url?.username) return;
  kept['credentials.user'] = decodeURIComponent(url.username);
  kept['credentials.password'] = decodeURIComponent(url.password);
}
