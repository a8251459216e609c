// Where a Grandstream phone fetches from next: its configuration server path and protocol,
// how often it checks, the credentials it presents, its firmware and phonebook paths.

import type { RenderContext } from '../driver.ts';
import type { PushEntry, SettingText } from './entries.ts';
import { FIRMWARE_NAME, firmwareFileOf } from './models.ts';

/** The URLs a file gives the phone that the pipeline, not the settings, knows. */
export interface GsUrls {
  /** The catalogue image's URL, when the phone runs another version. */
  image?: string;
  /** The phonebook plugndial serves for this file, when there are contacts. */
  phonebook?: string;
}

/** How the phone fetches from a URL: the alias and the P-value of TFTP, HTTP and HTTPS. */
const PROTOCOLS: Readonly<Record<string, { alias: string; p: string }>> = {
  'tftp:': { alias: 'TFTP', p: '0' },
  'http:': { alias: 'HTTP', p: '1' },
  'https:': { alias: 'HTTPS', p: '2' },
};

const PHONEBOOK_MODES: Readonly<Record<string, { alias: string; p: string }>> = {
  'http:': { alias: 'EnabledUseHTTP', p: '1' },
  'tftp:': { alias: 'EnabledUseTFTP', p: '2' },
  'https:': { alias: 'EnabledUseHTTPS', p: '3' },
};

/** The phone's shortest automatic check interval, minutes. */
export const MIN_CHECK_MINUTES = 60;

/**
 * A URL as the phone's "server path" fields hold it: no scheme (the protocol is a field
 * of its own), host, port and path without a trailing `/`; whether the URL named a directory
 * (it ended in `/`), and the query and fragment the field cannot hold. Undefined for schemes
 * the phone cannot fetch from, and for URLs with user information (the phone has fields for
 * that).
 */
export function serverPath(
  url: string,
): { path: string; scheme: string; directory: boolean; dropped?: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (!(parsed.protocol in PROTOCOLS) || parsed.username || parsed.password) return undefined;
  const path = `${parsed.host}${parsed.pathname}`.replace(/\/+$/, '');
  const dropped = `${parsed.search}${parsed.hash}`;
  return {
    path,
    scheme: parsed.protocol,
    directory: parsed.pathname.endsWith('/'),
    ...(dropped ? { dropped } : {}),
  };
}

/** The phone's path fields hold no query: a URL's query is not sent, which is said. */
function noteDropped(
  place: { dropped?: string },
  setting: string,
  field: string,
  notes: string[],
): void {
  if (place.dropped)
    notes.push(`${setting}: "${place.dropped}" left out of ${field} (the phone sends no query)`);
}

/**
 * The firmware path of an image URL: a URL ending in `/` is the directory itself; otherwise its
 * last segment is the image, which the phone asks for by its series' own name. A URL naming
 * an image under another name is written as its directory, and said: the phone would not
 * fetch that name.
 */
function firmwareDirectory(
  image: { path: string; directory: boolean },
  model: string | undefined,
  setting: string,
  notes: string[],
): string {
  const cut = image.path.lastIndexOf('/');
  if (image.directory || cut < 0) return image.path;
  const name = image.path.slice(cut + 1);
  const wanted = model === undefined ? undefined : firmwareFileOf(model);
  if (wanted !== undefined && name.toLowerCase() !== wanted)
    notes.push(
      `${setting}: a ${model} asks its firmware path for ${wanted}, not ${name}: the image must be in ${image.path.slice(0, cut)} under that name`,
    );
  else if (wanted === undefined && !FIRMWARE_NAME.test(name))
    notes.push(
      `${setting}: the phone asks its firmware path for its series' image (such as gxp2130fw.bin), not ${name}`,
    );
  return image.path.slice(0, cut);
}

/**
 * Where the phone provisions from next (its Config Server Path and protocol), how often it
 * checks, the credentials it presents, the firmware path and the phonebook path.
 */
export function mapProvisioning(
  context: RenderContext,
  urls: GsUrls,
  text: SettingText,
  push: PushEntry,
  notes: string[],
  withCredentials: boolean,
): void {
  const explicit = text('provisioning.url');
  const config = serverPath(explicit ?? context.baseUrl);
  if (config) {
    const protocol = PROTOCOLS[config.scheme]!;
    const from = explicit === undefined ? 'provisioning (this door)' : 'provisioning.url';
    push({
      alias: 'provisioning.config.protocol',
      p: 'P212',
      value: protocol.alias,
      pValue: protocol.p,
      from,
    });
    push({ alias: 'provisioning.config.serverPath', p: 'P237', value: config.path, from });
    noteDropped(config, from, 'provisioning.config.serverPath', notes);
  }
  const interval = context.settings['provisioning.resync_interval'];
  if (typeof interval === 'number') {
    if (interval === 0) {
      push({
        alias: 'provisioning.auto.mode',
        p: 'P194',
        value: 'No',
        pValue: '0',
        from: 'provisioning.resync_interval',
      });
    } else {
      const minutes = Math.max(MIN_CHECK_MINUTES, Math.round(interval / 60));
      if (minutes * 60 !== interval)
        notes.push(
          `provisioning.resync_interval=${interval} → every ${minutes} minutes (the phone checks in whole minutes, at least ${MIN_CHECK_MINUTES})`,
        );
      push({
        alias: 'provisioning.auto.mode',
        p: 'P194',
        value: 'YesUpgradeMin',
        pValue: '1',
        from: 'provisioning.resync_interval',
      });
      push({
        alias: 'provisioning.auto.minute',
        p: 'P193',
        value: String(minutes),
        from: 'provisioning.resync_interval',
      });
    }
  }
  // The user and password the phone presents to the provisioning server: the access
  // policy's for this device, else the settings'.
  const user = withCredentials
    ? (context.credentials?.username ?? text('provisioning.username'))
    : undefined;
  const password = withCredentials
    ? (context.credentials?.password ?? text('provisioning.password'))
    : undefined;
  if (user !== undefined && password !== undefined) {
    push({
      alias: 'provisioning.config.username',
      p: 'P1360',
      value: user,
      from: 'provisioning.username',
    });
    push({
      alias: 'provisioning.config.password',
      p: 'P1361',
      value: password,
      from: 'provisioning.password',
    });
  }
  const firmwareUrl = text('firmware.url') ?? urls.image;
  const image = firmwareUrl === undefined ? undefined : serverPath(firmwareUrl);
  if (image) {
    // The phone asks its firmware path for the image of its series by name: the path is
    // the image's directory.
    const from = text('firmware.url') === undefined ? 'firmware.version' : 'firmware.url';
    const directory = firmwareDirectory(image, context.device?.model, from, notes);
    noteDropped(image, from, 'provisioning.firmware.serverPath', notes);
    const protocol = PROTOCOLS[image.scheme]!;
    push({
      alias: 'provisioning.firmware.protocol',
      p: 'P6767',
      value: protocol.alias,
      pValue: protocol.p,
      from,
    });
    push({ alias: 'provisioning.firmware.serverPath', p: 'P192', value: directory, from });
  }
  const phonebookUrl = text('phonebook.url') ?? urls.phonebook;
  const phonebook = phonebookUrl === undefined ? undefined : serverPath(phonebookUrl);
  if (phonebook) {
    // The phone fetches `phonebook.xml` from the path it is given.
    const from = text('phonebook.url') === undefined ? 'phonebook (contacts)' : 'phonebook.url';
    const path = phonebook.path.replace(/\/phonebook\.xml$/i, '');
    const mode = PHONEBOOK_MODES[phonebook.scheme]!;
    push({
      alias: 'phonebook.download.mode',
      p: 'P330',
      value: mode.alias,
      pValue: mode.p,
      from,
    });
    push({ alias: 'phonebook.download.server', p: 'P331', value: path, from });
    noteDropped(phonebook, from, 'phonebook.download.server', notes);
  }
}
