import { cipherKey, encryptConfig } from '../../crypto/config-cipher.ts';
import type { Artifact, Explanation, Recognition, RenderContext } from '../driver.ts';
import {
  COMMON_PHONEBOOK,
  ENCRYPTED_TYPE,
  PHONEBOOK_TYPES,
  TEXT_TYPE,
  XML_TYPE,
  isFanvilFile,
  macFileName,
  phonebookName,
  type ConfigForm,
  type PhonebookForm,
} from './files.ts';
import { fanvilCipher } from './encryption.ts';
import { renderText, renderXml } from './format.ts';
import { mapSettings } from './mapping.ts';
import { generalFileOf } from './models.ts';
import { renderPhonebook } from './phonebook.ts';

const DEFAULT_PHONEBOOK: PhonebookForm = 'vcf';

/** The file's name and the lines it carries; render writes exactly these lines. */
export function explainFile(
  recognition: Recognition,
  context: RenderContext,
): Explanation | undefined {
  const name = fileName(recognition, context);
  if (name === undefined) return undefined;
  if (recognition.file === 'phonebook') {
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
  const { entries, ignored, notes } = mapSettings(context, {
    ...(context.firmware ? { image: context.firmware.url } : {}),
    ...(context.contacts && context.contacts.length > 0
      ? {
          phonebook: `${context.baseUrl}${phonebookName(phonebookOwner(recognition, context), phonebookForm(context))}`,
        }
      : {}),
  });
  return {
    file: name,
    entries: entries.map((e) => ({
      key: `<${e.module}>${e.key}`,
      value: e.value,
      ...(e.from ? { from: e.from } : {}),
    })),
    ignored,
    ...(notes.length > 0 ? { notes } : {}),
  };
}

export function renderFile(recognition: Recognition, context: RenderContext): Artifact | undefined {
  const explanation = explainFile(recognition, context);
  if (!explanation) return undefined;
  if (recognition.file === 'phonebook') {
    const form = (recognition.params?.['form'] ?? DEFAULT_PHONEBOOK) as PhonebookForm;
    return {
      body: Buffer.from(renderPhonebook(context.contacts!, form), 'utf8'),
      contentType: PHONEBOOK_TYPES[form],
    };
  }
  const entries = explanation.entries.map((e) => {
    const close = e.key.indexOf('>');
    return { module: e.key.slice(1, close), key: e.key.slice(close + 1), value: e.value };
  });
  const form = configForm(recognition, context);
  const text = form === 'xml' ? renderXml(entries) : renderText(entries);
  const plain = Buffer.from(text, 'utf8');
  // A device's file with its access credentials in it: delivering it ends first contact.
  const installs =
    context.credentials !== undefined &&
    context.device !== undefined &&
    entries.some((e) => e.key === 'Download password');
  const marked = installs ? { installsCredentials: true } : {};
  if (context.settings['security.config_encryption'] !== true) {
    return { body: plain, contentType: form === 'xml' ? XML_TYPE : TEXT_TYPE, ...marked };
  }
  const cipher = fanvilCipher(context.settings);
  const keyText = context.settings['security.config_key'];
  const key = typeof keyText === 'string' ? cipherKey(cipher, keyText) : undefined;
  // Asked to encrypt without a usable key: no file at all rather than a plain one.
  if (!key) return undefined;
  return { body: encryptConfig(cipher, plain, key), contentType: ENCRYPTED_TYPE, ...marked };
}

/** `.xml` asks for the XML form and `.txt` for text; `.cfg` takes provisioning.config_format. */
function configForm(recognition: Recognition, context: RenderContext): ConfigForm {
  const extension = recognition.params?.['extension'];
  if (extension === 'xml') return 'xml';
  if (extension === 'txt') return 'text';
  return context.settings['provisioning.config_format'] === 'xml' ? 'xml' : 'text';
}

function phonebookForm(context: RenderContext): PhonebookForm {
  const form = context.settings['phonebook.format'];
  return form === 'xml' || form === 'csv' || form === 'vcf' ? form : DEFAULT_PHONEBOOK;
}

/** Whose phonebook a configuration file points at: the device, the named profile, or everyone. */
function phonebookOwner(recognition: Recognition, context: RenderContext): string {
  if (context.device) return context.device.mac;
  if (recognition.file === 'named' && recognition.configName) return recognition.configName;
  return COMMON_PHONEBOOK;
}

function fileName(recognition: Recognition, context: RenderContext): string | undefined {
  if (!isFanvilFile(recognition.file)) return undefined;
  switch (recognition.file) {
    case 'general': {
      const model = recognition.params?.['model'];
      return model === undefined ? undefined : generalFileOf(model);
    }
    case 'mac':
      return context.device
        ? macFileName(context.device.mac, recognition.params?.['extension'])
        : undefined;
    case 'named':
      return recognition.configName === undefined
        ? undefined
        : `${recognition.configName}.${recognition.params?.['extension'] ?? 'cfg'}`;
    case 'phonebook': {
      const form = (recognition.params?.['form'] ?? DEFAULT_PHONEBOOK) as PhonebookForm;
      return phonebookName(phonebookOwner(recognition, context), form);
    }
  }
}
