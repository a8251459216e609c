import { createHash } from 'node:crypto';

import { parseXml } from '../../formats/xml.ts';
import type { Mac } from '../../model/mac.ts';
import type {
  PhoneFetch,
  PhoneIdentity,
  PhoneMemory,
  PhoneRun,
  PhoneScript,
  PhoneStep,
} from '../driver.ts';
import { answerStep, fetchOnce, missStep, noteStep, parseBase, urlStep } from '../phone-kit.ts';
import { COMMON, directoryName, masterName } from './files.ts';
import { readMaster, readParams } from './format.ts';
import { formatUserAgent } from './user-agent.ts';

/** CONFIG_FILES holds at most 2047 characters (SIP 3.1 guide); the phone takes this many files. */
const MAX_CONFIG_FILES = 16;

export const polyPhone: PhoneScript = {
  userAgent: (identity) => formatUserAgent(identity),
  run: runPhone,
};

interface Session {
  fetch: PhoneFetch;
  identity: PhoneIdentity;
  kept: PhoneMemory;
  steps: PhoneStep[];
  credentials: { username: string; password: string } | undefined;
}

/**
 * One boot of a UC Software phone (Polycom SIP 3.x Administrator's Guide, master files;
 * Poly FAQ on downloads and uploads; a VVX 500's request sequence as published): it uploads
 * its boot log, reads `<mac>.cfg` or else `000000000000.cfg`, fetches the image APP_FILE_PATH
 * names unless it runs it, then each of CONFIG_FILES (the first file naming a parameter wins),
 * its override files (which win over them), its directory (else the common one), and uploads
 * its application log. Uploads are HTTP PUTs; over TFTP and FTP they are left out here.
 */
async function runPhone(
  identity: PhoneIdentity,
  baseUrl: string,
  fetch: PhoneFetch,
  memory: PhoneMemory = {},
): Promise<PhoneRun> {
  const kept: PhoneMemory = { ...memory };
  const base = parseBase(baseUrl.replace(/[^/]*$/, ''));
  if (!base)
    return { ok: false, steps: [noteStep(baseUrl, 'not a URL')], settings: {}, memory: kept };
  const given = new URL(baseUrl);
  const session: Session = {
    fetch,
    identity,
    kept,
    steps: [],
    credentials: keptCredentials(kept, given),
  };
  const mac = identity.mac;
  const uploads = base.protocol === 'http:' || base.protocol === 'https:';
  if (uploads) await upload(session, new URL(`${mac}-boot.log`, base), 'Updater');

  // A boot server URL naming a .cfg file of five characters or more is the master itself.
  const masters = /\/[^/]{1,}\.cfg$/i.test(given.pathname) ? [given] : [];
  masters.push(new URL(masterName(mac), base), new URL(masterName(COMMON), base));
  let master: { url: URL; attributes: Record<string, string> } | undefined;
  for (const url of masters) {
    const answer = await get(session, url, 'Updater');
    if (answer.status !== 200) {
      session.steps.push(missStep(answer));
      continue;
    }
    const read = readMaster(answer.body.toString('utf8'));
    if (!read.ok) {
      session.steps.push(answerStep(answer, false, read.error.message));
      continue;
    }
    session.steps.push(
      answerStep(answer, changed(session, url, answer.body), 'master configuration file'),
    );
    master = { url, attributes: read.value };
    break;
  }
  if (!master) return { ok: false, steps: session.steps, settings: {}, memory: kept };

  let ok = await image(session, master.attributes['APP_FILE_PATH'] ?? '', master.url);
  const settings = new Map<string, string>();
  const names = (master.attributes['CONFIG_FILES'] ?? '')
    .split(',')
    .map((name) => name.trim().replace(/\[PHONE_MAC_ADDRESS\]/g, mac))
    .filter(Boolean)
    .slice(0, MAX_CONFIG_FILES);
  for (const name of names) {
    let url: URL;
    try {
      url = new URL(name, master.url);
    } catch {
      // A name the master lists that is no URL (`http://[`): a failed file, not a throw.
      session.steps.push(noteStep(name, 'CONFIG_FILES names no URL'));
      ok = false;
      continue;
    }
    const params = await config(session, url);
    if (!params) {
      ok = false;
      continue;
    }
    // The first file naming a parameter wins.
    for (const [key, value] of params) if (!settings.has(key)) settings.set(key, value);
    keepCredentials(session, params);
  }
  for (const name of [`${mac}-phone.cfg`, `${mac}-web.cfg`]) {
    const params = await config(session, new URL(name, master.url), true);
    for (const [key, value] of params ?? []) settings.set(key, value);
  }
  for (const [key, value] of await directory(session, mac, master.url)) settings.set(key, value);
  if (uploads) await upload(session, new URL(`${mac}-app.log`, base), 'Application');
  return { ok, steps: session.steps, settings: Object.fromEntries(settings), memory: kept };
}

/** A configuration file's parameters; an optional one (the overrides) may be missing. */
async function config(
  session: Session,
  url: URL,
  optional = false,
): Promise<Map<string, string> | undefined> {
  const answer = await get(session, url, 'Application');
  if (answer.status !== 200) {
    session.steps.push(
      optional && answer.status === 404
        ? answerStep(answer, false, 'none on the server')
        : missStep(answer),
    );
    return undefined;
  }
  const params = readParams(answer.body.toString('utf8'));
  if (!params.ok) {
    session.steps.push(answerStep(answer, false, params.error.message));
    return undefined;
  }
  session.steps.push(
    answerStep(answer, changed(session, url, answer.body), `${params.value.size} parameters`),
  );
  return params.value;
}

/** The image, unless the phone runs what it names: the bytes installed last are compared. */
async function image(session: Session, path: string, master: URL): Promise<boolean> {
  if (path === '') return true;
  let url: URL;
  try {
    url = new URL(path, master);
  } catch {
    session.steps.push(noteStep(path, 'APP_FILE_PATH is not a URL'));
    return false;
  }
  const answer = await get(session, url, 'Updater');
  if (answer.status !== 200 || answer.body.length === 0) {
    // No image there: the phone boots the application it has.
    session.steps.push(missStep(answer));
    return true;
  }
  const sha = createHash('sha256').update(answer.body).digest('hex');
  if (session.kept['image.sha256'] === sha) {
    session.steps.push(answerStep(answer, false, 'the phone runs this image already'));
    return true;
  }
  session.kept['image'] = url.href;
  session.kept['image.sha256'] = sha;
  session.steps.push(answerStep(answer, true, 'image installed; the phone reboots'));
  return true;
}

/** `<mac>-directory.xml`, else `000000000000-directory.xml`: its entries as `directory[n]`. */
async function directory(session: Session, mac: Mac, master: URL): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of [directoryName(mac), directoryName(COMMON)]) {
    const url = new URL(name, master);
    const answer = await get(session, url, 'Application');
    if (answer.status !== 200) {
      session.steps.push(
        answerStep(
          answer,
          false,
          answer.status === 404 ? 'none on the server' : `status ${answer.status}`,
        ),
      );
      continue;
    }
    const parsed = parseXml(answer.body.toString('utf8'));
    const list = parsed.ok
      ? parsed.value.children
          .find((c) => c.name === 'directory')
          ?.children.find((c) => c.name === 'item_list')
      : undefined;
    if (!list) {
      session.steps.push(answerStep(answer, false, 'not a contact directory'));
      continue;
    }
    list.children.forEach((item, i) => {
      const field = (n: string): string =>
        item.children.find((c) => c.name === n)?.text.trim() ?? '';
      out.set(`directory[${i}]`, [field('fn'), field('ln'), field('ct')].filter(Boolean).join(' '));
    });
    session.steps.push(
      answerStep(answer, changed(session, url, answer.body), `${list.children.length} contacts`),
    );
    break;
  }
  return out;
}

/** A log upload: answered or not, the phone carries on. */
async function upload(session: Session, url: URL, stage: 'Application' | 'Updater'): Promise<void> {
  const body = Buffer.from(
    `${new Date(0).toISOString()} ${stage.toLowerCase()} log of ${session.identity.mac}\n`,
  );
  try {
    const answer = await session.fetch(url.href, {
      userAgent: formatUserAgent(session.identity, stage),
      upload: body,
      ...(session.credentials ? { credentials: session.credentials } : {}),
    });
    const ok = answer.status >= 200 && answer.status < 300;
    session.steps.push(
      urlStep(url, answer.status, body.length, false, ok ? 'uploaded' : 'upload refused'),
    );
  } catch (error) {
    session.steps.push(urlStep(url, 0, 0, false, `upload failed: ${String(error).slice(0, 120)}`));
  }
}

function get(
  session: Session,
  url: URL,
  stage: 'Application' | 'Updater',
): ReturnType<typeof fetchOnce<URL>> {
  const credentials = session.credentials;
  const fetch: PhoneFetch = (target, options) =>
    session.fetch(target, { ...options, ...(credentials ? { credentials } : {}) });
  return fetchOnce(fetch, url, formatUserAgent(session.identity, stage));
}

/** A file whose bytes the phone applied before is read, not applied again. */
function changed(session: Session, url: URL, body: Buffer): boolean {
  const slot = `sha:${url.pathname.split('/').pop()!.toLowerCase()}`;
  const digest = createHash('sha256').update(body).digest('hex').slice(0, 16);
  if (session.kept[slot] === digest) return false;
  session.kept[slot] = digest;
  return true;
}

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

/** `device.prov.user`/`password` (with their `.set`) become what the phone presents. */
function keepCredentials(session: Session, params: Map<string, string>): void {
  if (params.get('device.set') !== '1') return;
  const user =
    params.get('device.prov.user.set') === '1' ? params.get('device.prov.user') : undefined;
  const password =
    params.get('device.prov.password.set') === '1' ? params.get('device.prov.password') : undefined;
  if (!user || password === undefined) return;
  session.kept['credentials.user'] = user;
  session.kept['credentials.password'] = password;
  session.credentials = { username: user, password };
}
