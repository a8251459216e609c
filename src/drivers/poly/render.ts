import type {
  Artifact,
  Explanation,
  FirmwareRef,
  NativeEntry,
  Recognition,
  RenderContext,
} from '../driver.ts';
import type { Mac } from '../../model/mac.ts';
import { directoryFile } from './directory.ts';
import {
  COMMON,
  XML_TYPE,
  directoryName,
  isPolyFile,
  masterName,
  settingsName,
  type PolyFile,
} from './files.ts';
import { configFile, masterFile, type Master } from './format.ts';
import { mapSettings } from './mapping.ts';

/** The name the master gives the image: the phone puts its part number before it. */
export const IMAGE_NAME = 'sip.ld';

const WITHHELD =
  'security.config_encryption=true: the envelope of encrypted UC Software files is not public, so this file is not served (use HTTPS)';

interface Planned {
  name: string;
  entries: NativeEntry[];
  ignored: string[];
  notes: string[];
  document?: () => string;
  installsCredentials?: boolean;
}

export function explainFile(
  recognition: Recognition,
  context: RenderContext,
): Explanation | undefined {
  const planned = plan(recognition, context);
  if (!planned) return undefined;
  return {
    file: planned.name,
    entries: planned.entries,
    ignored: planned.ignored,
    ...(planned.notes.length > 0 ? { notes: planned.notes } : {}),
  };
}

export function renderFile(recognition: Recognition, context: RenderContext): Artifact | undefined {
  const planned = plan(recognition, context);
  if (!planned?.document) return undefined;
  const artifact: Artifact = {
    body: Buffer.from(planned.document(), 'utf8'),
    contentType: XML_TYPE,
  };
  return planned.installsCredentials ? { ...artifact, installsCredentials: true } : artifact;
}

/**
 * Any image name the phone asks for (`sip.ld`, `<part number>.sip.ld`) is the catalogue
 * image of its model when `firmware.version` names one it does not run: the catalogue keeps
 * one image per model, so the part number adds nothing.
 */
export function firmwareImage(
  _recognition: Recognition,
  context: RenderContext,
): FirmwareRef | undefined {
  const target = context.firmware;
  return target
    ? { vendor: target.vendor, model: target.model, version: target.version }
    : undefined;
}

function plan(recognition: Recognition, context: RenderContext): Planned | undefined {
  if (!isPolyFile(recognition.file)) return undefined;
  const file: PolyFile = recognition.file;
  const mac = context.device?.mac;
  const encrypted = context.settings['security.config_encryption'] === true;
  switch (file) {
    case 'master':
    case 'common-master': {
      const owner: Mac | typeof COMMON | undefined = file === 'master' ? mac : COMMON;
      if (owner === undefined) return undefined;
      const master = masterOf(owner, context);
      return {
        name: masterName(owner),
        entries: Object.entries(master).map(([key, value]) => ({
          key,
          value,
          ...(key === 'APP_FILE_PATH' && value !== ''
            ? {
                from:
                  typeof context.settings['firmware.url'] === 'string'
                    ? 'firmware.url'
                    : 'firmware.version',
              }
            : {}),
        })),
        ignored: [],
        notes: [],
        document: () => masterFile(master),
      };
    }
    case 'settings':
    case 'common-settings': {
      const owner: Mac | typeof COMMON | undefined = file === 'settings' ? mac : COMMON;
      if (owner === undefined) return undefined;
      // Only the phone's own file carries the credentials the access policy gives it.
      const mapped = mapSettings(owner === COMMON ? withoutCredentials(context) : context);
      const planned: Planned = {
        name: settingsName(owner),
        entries: mapped.params.map((p) => ({
          key: p.name,
          value: p.value,
          ...(p.from ? { from: p.from } : {}),
        })),
        ignored: mapped.ignored,
        notes: encrypted ? [...mapped.notes, WITHHELD] : mapped.notes,
      };
      if (!encrypted) planned.document = () => configFile(mapped.params);
      if (owner !== COMMON && context.credentials) planned.installsCredentials = true;
      return planned;
    }
    case 'directory':
    case 'common-directory': {
      const owner: Mac | typeof COMMON | undefined = file === 'directory' ? mac : COMMON;
      const contacts = context.contacts;
      if (owner === undefined || !contacts || contacts.length === 0) return undefined;
      return {
        name: directoryName(owner),
        entries: contacts.map((c) => ({
          key: c.name,
          value: [c.office, c.mobile, c.other].filter(Boolean).join(','),
          from: 'phonebook (contacts)',
        })),
        ignored: [],
        notes: encrypted ? [WITHHELD] : [],
        ...(encrypted ? {} : { document: () => directoryFile(contacts) }),
      };
    }
    // Overrides and uploads are the phone's own: served from what it uploaded, if kept.
    case 'override':
    case 'upload':
    case 'firmware':
      return undefined;
  }
}

function withoutCredentials(context: RenderContext): RenderContext {
  if (!context.credentials) return context;
  const { credentials: _credentials, ...rest } = context;
  return rest;
}

/**
 * One configuration file, named relative to the master (the phone keeps its door and prefix).
 * The image only when there is one to offer: `firmware.url`, else `sip.ld` when the catalogue
 * has the image `firmware.version` names and the phone runs another. Upload directories stay
 * empty: the phone writes next to its master, where the pipeline takes uploads.
 */
function masterOf(owner: Mac | typeof COMMON, context: RenderContext): Master {
  const explicit = context.settings['firmware.url'];
  const image = typeof explicit === 'string' ? explicit : context.firmware ? IMAGE_NAME : '';
  return {
    APP_FILE_PATH: image,
    CONFIG_FILES: settingsName(owner),
    MISC_FILES: '',
    LOG_FILE_DIRECTORY: '',
    OVERRIDES_DIRECTORY: '',
    CONTACTS_DIRECTORY: '',
    LICENSE_DIRECTORY: '',
  };
}

export function deviceFiles(mac: Mac): string[] {
  return [masterName(mac), settingsName(mac), directoryName(mac)];
}
