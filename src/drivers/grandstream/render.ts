import { sealPassphrase } from '../../crypto/config-cipher.ts';
import type { Artifact, Explanation, FirmwareRef, Recognition, RenderContext } from '../driver.ts';
import { encodeBinary } from './binary.ts';
import {
  BINARY_TYPE,
  COMMON_XML,
  PHONEBOOK,
  XML_TYPE,
  isConfigFile,
  isGrandstreamFile,
  macBinaryName,
  macPhonebookPath,
  macXmlName,
  modelXmlName,
  type GrandstreamFile,
} from './files.ts';
import { renderXml } from './format.ts';
import { entriesOf, mapSettings, unexpressed, type GsForm } from './mapping.ts';
import { renderPhonebook } from './phonebook.ts';

/**
 * `provisioning.config_format`: unset, XML files in the alias form and no binary file;
 * `p-values`, XML files in P-values; `binary`, the legacy binary `cfg<mac>` as well, for
 * phones that read no XML.
 */
function xmlForm(context: RenderContext): GsForm {
  return context.settings['provisioning.config_format'] === 'p-values' ? 'p-values' : 'aliases';
}

function servesBinary(context: RenderContext): boolean {
  return context.settings['provisioning.config_format'] === 'binary';
}

/** The passphrase XML files are sealed with, when the settings ask; null when none fits. */
function sealKey(context: RenderContext): string | null | undefined {
  if (context.settings['security.config_encryption'] !== true) return undefined;
  const key = context.settings['security.config_key'];
  return typeof key === 'string' && key !== '' ? key : null;
}

/** The file's name and the lines it carries; render writes exactly these. */
export function explainFile(
  recognition: Recognition,
  context: RenderContext,
): Explanation | undefined {
  const file = recognition.file;
  if (!isGrandstreamFile(file) || file === 'firmware') return undefined;
  const name = fileName(file, recognition, context);
  if (name === undefined) return undefined;
  if (file === 'mac-phonebook' || file === 'common-phonebook') {
    if (!context.contacts || context.contacts.length === 0) return undefined;
    return {
      file: name,
      entries: context.contacts.map((c) => ({
        key: c.name,
        value: [c.office, c.mobile, c.other].filter(Boolean).join(','),
      })),
      ignored: [],
    };
  }
  if (file === 'mac-binary' && (!servesBinary(context) || sealKey(context) !== undefined))
    return undefined;
  const device = file === 'mac-binary' || file === 'mac-xml';
  const mac = context.device?.mac;
  const hasContacts = context.contacts !== undefined && context.contacts.length > 0;
  const phonebook = hasContacts
    ? `${context.baseUrl}${device && mac ? macPhonebookPath(mac) : PHONEBOOK}`
    : undefined;
  const model = recognition.params?.['model'] ?? context.device?.model ?? context.reported?.model;
  const mapped = mapSettings(
    context,
    {
      ...(context.firmware ? { image: context.firmware.url } : {}),
      ...(phonebook ? { phonebook } : {}),
    },
    { credentials: device, ...(model === undefined ? {} : { model }) },
  );
  const form: GsForm = file === 'mac-binary' ? 'p-values' : xmlForm(context);
  const notes = [...mapped.notes];
  const missing = unexpressed(mapped.entries, form);
  if (missing.length > 0)
    notes.push(
      `not expressed in ${form === 'p-values' ? 'P-values' : 'the alias form'}: ${missing.join(', ')}`,
    );
  return {
    file: name,
    entries: entriesOf(mapped.entries, form).map((e) => ({
      key: e.name,
      value: e.value,
      ...(e.from ? { from: e.from } : {}),
    })),
    ignored: [...new Set([...mapped.ignored, ...missing])].sort(),
    ...(notes.length > 0 ? { notes } : {}),
  };
}

export function renderFile(recognition: Recognition, context: RenderContext): Artifact | undefined {
  const explanation = explainFile(recognition, context);
  if (!explanation) return undefined;
  const file = recognition.file as GrandstreamFile;
  if (file === 'mac-phonebook' || file === 'common-phonebook') {
    return { body: Buffer.from(renderPhonebook(context.contacts!), 'utf8'), contentType: XML_TYPE };
  }
  if (!isConfigFile(file)) return undefined;
  const values = explanation.entries.map((e) => ({ name: e.key, value: e.value }));
  const installs =
    (file === 'mac-xml' || file === 'mac-binary') &&
    context.device !== undefined &&
    context.credentials !== undefined;
  const marked = installs ? { installsCredentials: true } : {};
  if (file === 'mac-binary') {
    return { body: encodeBinary(values, context.device!.mac), contentType: BINARY_TYPE, ...marked };
  }
  const xml = renderXml(values, {
    form: xmlForm(context),
    ...(file === 'mac-xml' && context.device ? { mac: context.device.mac } : {}),
  });
  const plain = Buffer.from(xml, 'utf8');
  const key = sealKey(context);
  // Asked to encrypt without a usable key: no file at all rather than a plain one.
  if (key === null) return undefined;
  if (key === undefined) return { body: plain, contentType: XML_TYPE, ...marked };
  return { body: sealPassphrase(plain, key), contentType: BINARY_TYPE, ...marked };
}

/** A firmware image by the name the phone asks for: the target's, when the names agree. */
export function firmwareImage(
  recognition: Recognition,
  context: RenderContext,
): FirmwareRef | undefined {
  const target = context.firmware;
  const asked = recognition.params?.['file'];
  if (recognition.file !== 'firmware' || !target || asked === undefined) return undefined;
  if (asked.toLowerCase() !== target.fileName.toLowerCase()) return undefined;
  return { vendor: target.vendor, model: target.model, version: target.version };
}

function fileName(
  file: GrandstreamFile,
  recognition: Recognition,
  context: RenderContext,
): string | undefined {
  const mac = context.device?.mac;
  switch (file) {
    case 'mac-binary':
      return mac && macBinaryName(mac);
    case 'mac-xml':
      return mac && macXmlName(mac);
    case 'model-xml': {
      const model = recognition.params?.['model'];
      return model === undefined ? undefined : modelXmlName(model);
    }
    case 'common-xml':
      return COMMON_XML;
    case 'mac-phonebook':
      return mac && macPhonebookPath(mac);
    case 'common-phonebook':
      return PHONEBOOK;
    case 'firmware':
      return undefined;
  }
}
