import { sealPassphrase } from '../../crypto/config-cipher.ts';
import type { Artifact, Explanation, NativeEntry, Recognition, RenderContext } from '../driver.ts';
import { renderDirectory } from './directory.ts';
import {
  COMMON_DIRECTORY,
  ENCRYPTED_TYPE,
  XML_TYPE,
  directoryName,
  isCiscoFile,
  type CiscoFile,
} from './files.ts';
import { renderFlatProfile } from './format.ts';
import type { CiscoEntry } from './entry.ts';
import { literalUrl, mapSettings, profileRule } from './mapping.ts';
import { familyOf, type CiscoFamily } from './models.ts';

/** The passphrase profiles are sealed with, when the settings ask; null when none is set. */
function sealKey(context: RenderContext): string | null | undefined {
  if (context.settings['security.config_encryption'] !== true) return undefined;
  const key = context.settings['security.config_key'];
  return typeof key === 'string' && key !== '' ? key : null;
}

/**
 * Where the phone's rules point: `provisioning.url`, else the door and prefix it used, as the
 * phone reads it back (a `$` of it `$$`, not a macro).
 */
function ruleBase(context: RenderContext): string {
  const explicit = context.settings['provisioning.url'];
  const base = typeof explicit === 'string' ? explicit : context.baseUrl;
  return literalUrl(base.endsWith('/') ? base : `${base}/`);
}

/** The XML directory is fetched over HTTP(S) only; undefined when neither URL is one. */
function httpBase(context: RenderContext): string | undefined {
  for (const url of [context.settings['provisioning.url'], context.baseUrl]) {
    if (typeof url === 'string' && /^https?:\/\//i.test(url))
      return literalUrl(url.endsWith('/') ? url : `${url}/`);
  }
  return undefined;
}

export function explainFile(
  recognition: Recognition,
  context: RenderContext,
): Explanation | undefined {
  const file = recognition.file;
  if (!isCiscoFile(file)) return undefined;
  switch (file) {
    case 'bootstrap':
      return bootstrap(recognition, context);
    case 'profile':
      return profile(recognition, context);
    case 'mac-directory':
    case 'common-directory': {
      const mac = context.device?.mac;
      if (file === 'mac-directory' && !mac) return undefined;
      if (!context.contacts || context.contacts.length === 0) return undefined;
      return {
        file: file === 'mac-directory' ? directoryName(mac!) : COMMON_DIRECTORY,
        entries: context.contacts.map((c) => ({
          key: c.name,
          value: [c.office, c.mobile, c.other].filter(Boolean).join(','),
        })),
        ignored: [],
      };
    }
  }
}

/**
 * The file the factory Profile_Rule fetches: the same for every phone of the family. It
 * points Profile_Rule at itself on the door the phone used (or `provisioning.url`) and
 * Profile_Rule_B at the phone's own profile, `$MA.xml`, and clears rules C and D of any
 * earlier server. Profile rules run in order in one resync, so the phone fetches its profile
 * right after; the profile then makes itself the phone's first rule.
 */
function bootstrap(recognition: Recognition, context: RenderContext): Explanation | undefined {
  const family = (recognition.params?.['family'] ?? 'mpp') as CiscoFamily;
  const psn = recognition.params?.['psn'] ?? '';
  const own = family === 'spa' ? 'spa$PSN.cfg' : '$PSN.xml';
  const base = ruleBase(context);
  const key = sealKey(context);
  if (key === null) return undefined;
  const from =
    typeof context.settings['provisioning.url'] === 'string' ? 'provisioning.url' : undefined;
  const entries: NativeEntry[] = [
    { key: 'Profile_Rule', value: `${base}${own}`, ...(from ? { from } : {}) },
    {
      key: 'Profile_Rule_B',
      value: profileRule(base, { key: key !== undefined }),
      ...(from ? { from } : {}),
    },
    { key: 'Profile_Rule_C', value: '' },
    { key: 'Profile_Rule_D', value: '' },
  ];
  const notes: string[] = [];
  if (key !== undefined) {
    // The key travels only where nobody on the way can read it.
    if (/^https:/i.test(context.baseUrl))
      entries.push({ key: 'GPP_SA', value: key, from: 'security.config_key' });
    else
      notes.push(
        'security.config_key is given to the phone only over HTTPS: set GPP_SA on the phone, or let it fetch this file over HTTPS once',
      );
  }
  return {
    file: family === 'spa' ? `spa${psn}.cfg` : `${psn}.xml`,
    entries,
    ignored: [],
    ...(notes.length > 0 ? { notes } : {}),
  };
}

function profile(recognition: Recognition, context: RenderContext): Explanation | undefined {
  const mac = context.device?.mac;
  if (!mac) return undefined;
  const key = sealKey(context);
  if (key === null) return undefined;
  const family = familyOf(context.vendor);
  const http = httpBase(context);
  const hasContacts = context.contacts !== undefined && context.contacts.length > 0;
  const mapped = mapSettings(
    context,
    family,
    {
      ...(context.firmware ? { image: context.firmware.url } : {}),
      ...(hasContacts && http ? { directory: `${http}${directoryName(mac)}` } : {}),
    },
    { base: ruleBase(context), encrypted: key !== undefined },
  );
  const notes = [...mapped.notes];
  if (hasContacts && !http)
    notes.push(
      'phonebook (contacts): the XML directory is fetched over HTTP(S) only; this door is neither',
    );
  const form = recognition.params?.['form'] ?? 'xml';
  const name = `${form.startsWith('spa') ? 'spa' : ''}${mac}.${form.endsWith('cfg') ? 'cfg' : 'xml'}`;
  return {
    file: name,
    entries: mapped.entries.map((e: CiscoEntry) => ({
      key: e.name,
      value: e.value,
      ...(e.from ? { from: e.from } : {}),
    })),
    ignored: mapped.ignored,
    ...(notes.length > 0 ? { notes } : {}),
  };
}

export function renderFile(recognition: Recognition, context: RenderContext): Artifact | undefined {
  const explanation = explainFile(recognition, context);
  if (!explanation) return undefined;
  const file = recognition.file as CiscoFile;
  if (file === 'mac-directory' || file === 'common-directory') {
    const title = context.settings['phonebook.name'];
    const xml = renderDirectory(context.contacts!, typeof title === 'string' ? title : 'Directory');
    return { body: Buffer.from(xml, 'utf8'), contentType: XML_TYPE };
  }
  const plain = Buffer.from(
    renderFlatProfile(explanation.entries.map((e) => ({ name: e.key, value: e.value }))),
    'utf8',
  );
  const installs = file === 'profile' && context.credentials !== undefined;
  const marked = installs ? { installsCredentials: true } : {};
  const key = sealKey(context);
  // The bootstrap stays readable: the phone learns the key from it (over HTTPS) or has it.
  if (file === 'bootstrap' || key === undefined || key === null)
    return { body: plain, contentType: XML_TYPE, ...marked };
  return { body: sealPassphrase(plain, key), contentType: ENCRYPTED_TYPE, ...marked };
}
