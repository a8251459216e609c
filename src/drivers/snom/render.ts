import type { Artifact, Explanation, NativeEntry, Recognition, RenderContext } from '../driver.ts';
import { firmwareDocument, settingFiles, settingsDocument, tbookDocument } from './documents.ts';
import {
  XML_TYPE,
  firmwareName,
  isSnomFile,
  macHtmName,
  macXmlName,
  modelHtmName,
  modelXmlName,
  tbookName,
  type SnomFile,
} from './files.ts';
import { mapSettings, type SnomLinks, type SnomMapping } from './mapping.ts';
import { DEFAULT_MODEL } from './user-agent.ts';

const WITHHELD =
  'security.config_encryption=true: Snom documents no encrypted setting file, so this file is not served (use HTTPS)';

/** What one file says: its entries for `--explain`, and the document render writes. */
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

function plan(recognition: Recognition, context: RenderContext): Planned | undefined {
  if (!isSnomFile(recognition.file)) return undefined;
  const file: SnomFile = recognition.file;
  const mac = context.device?.mac;
  const model =
    recognition.params?.['model'] ??
    context.device?.model ??
    context.reported?.model ??
    DEFAULT_MODEL;
  const base = context.baseUrl;
  const encrypted = context.settings['security.config_encryption'] === true;
  switch (file) {
    case 'model-htm': {
      const urls = [`${base}${modelXmlName(model)}`];
      return { name: modelHtmName(model), ...listing(urls), document: () => settingFiles(urls) };
    }
    case 'mac-htm': {
      if (!mac) return undefined;
      const urls = [`${base}${macXmlName(mac)}`];
      if (context.contacts && context.contacts.length > 0) urls.push(`${base}${tbookName(mac)}`);
      return { name: macHtmName(model, mac), ...listing(urls), document: () => settingFiles(urls) };
    }
    case 'model-xml':
    case 'mac-xml': {
      const own = file === 'mac-xml';
      if (own && !mac) return undefined;
      const mapping = mapSettings(context, links(context, own));
      const planned: Planned = {
        name: own ? macXmlName(mac!) : modelXmlName(model),
        entries: entriesOf(mapping),
        ignored: mapping.ignored,
        notes: encrypted ? [...mapping.notes, WITHHELD] : mapping.notes,
      };
      if (!encrypted) planned.document = () => settingsDocument(mapping.settings, mapping.keys);
      if (own && context.credentials) planned.installsCredentials = true;
      return planned;
    }
    case 'tbook': {
      if (!mac || !context.contacts || context.contacts.length === 0) return undefined;
      const contacts = context.contacts;
      return {
        name: tbookName(mac),
        entries: contacts.map((c) => ({
          key: c.name,
          value: [c.office, c.mobile, c.other].filter(Boolean).join(','),
          from: 'phonebook (contacts)',
        })),
        ignored: [],
        notes: encrypted ? [WITHHELD] : [],
        ...(encrypted ? {} : { document: () => tbookDocument(contacts) }),
      };
    }
    case 'firmware': {
      if (!mac) return undefined;
      const image = imageUrl(context);
      if (!image) return undefined;
      return {
        name: firmwareName(mac),
        entries: [{ key: 'firmware', value: image.url, from: image.from }],
        ignored: [],
        notes: [],
        document: () => firmwareDocument(image.url),
      };
    }
  }
}

function listing(urls: readonly string[]): Pick<Planned, 'entries' | 'ignored' | 'notes'> {
  return { entries: urls.map((url) => ({ key: 'file', value: url })), ignored: [], notes: [] };
}

/** The image to offer: `firmware.url` as given, else the catalogue's when the phone runs another. */
function imageUrl(context: RenderContext): { url: string; from: string } | undefined {
  const explicit = context.settings['firmware.url'];
  if (typeof explicit === 'string') return { url: explicit, from: 'firmware.url' };
  return context.firmware ? { url: context.firmware.url, from: 'firmware.version' } : undefined;
}

/**
 * `setting_server` keeps the phone coming back here rather than to the vendor's redirection
 * service: `provisioning.url`, else the URL it used; the phone's own file adds the
 * credentials the access policy gives it as the URL's userinfo.
 */
function links(context: RenderContext, own: boolean): SnomLinks {
  const explicit = context.settings['provisioning.url'];
  const url = typeof explicit === 'string' ? explicit : context.baseUrl;
  const from =
    typeof explicit === 'string' ? 'provisioning.url' : 'provisioning.url (the URL the phone used)';
  const user = context.credentials?.username ?? stringSetting(context, 'provisioning.username');
  const password = context.credentials?.password ?? stringSetting(context, 'provisioning.password');
  // With credentials in it the whole URL is a secret: `--explain` and previews mask it.
  const out: SnomLinks = {
    settingServer:
      own && user && password
        ? { url: withUserinfo(url, user, password), from: 'provisioning.password' }
        : { url, from },
  };
  const mac = context.device?.mac;
  if (own && mac && imageUrl(context))
    out.firmwareStatus = {
      url: `${context.baseUrl}${firmwareName(mac)}`,
      from: imageUrl(context)!.from,
    };
  return out;
}

function stringSetting(context: RenderContext, key: string): string | undefined {
  const value = context.settings[key];
  return typeof value === 'string' ? value : undefined;
}

function withUserinfo(url: string, user: string, password: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = encodeURIComponent(user);
    parsed.password = encodeURIComponent(password);
    return parsed.href;
  } catch {
    return url;
  }
}

function entriesOf(mapping: SnomMapping): NativeEntry[] {
  const entries: NativeEntry[] = mapping.settings.map((s) => ({
    key: s.idx === undefined ? s.name : `${s.name}[${s.idx}]`,
    value: s.value,
    ...(s.from ? { from: s.from } : {}),
  }));
  for (const k of mapping.keys)
    entries.push({
      key: `fkey[${k.idx}]`,
      value: `${k.value} (context ${k.context}${k.label ? `, label ${k.label}` : ''})`,
      from: k.from,
    });
  return entries;
}

/** The names of a device's files, for listings; the model part is the device's own. */
export function deviceFiles(mac: Parameters<typeof macXmlName>[0], model?: string): string[] {
  return [
    macHtmName(model !== undefined && /^[A-Za-z0-9]+$/.test(model) ? model : DEFAULT_MODEL, mac),
    macXmlName(mac),
    tbookName(mac),
    firmwareName(mac),
  ];
}
