import { cipherKey, encryptConfig } from '../../crypto/config-cipher.ts';
import type { Artifact, Explanation, FirmwareRef, Recognition, RenderContext } from '../driver.ts';
import { oemCipher } from './encryption.ts';
import { renderEncrypted, renderManifest, renderPlain, renderXmlFragment } from './format.ts';
import { mapSettings } from './mapping.ts';
import { MANIFEST } from './recognise.ts';
import { splitClass } from './request.ts';

const TEXT = 'text/plain; charset=utf-8';
const XML = 'application/xml';

export function explainFile(
  recognition: Recognition,
  context: RenderContext,
): Explanation | undefined {
  const deviceClass = recognition.params?.['class'];
  if (deviceClass === undefined) return undefined;
  if (recognition.file === 'manifest') {
    const target = context.firmware;
    if (!target) return undefined;
    return {
      file: `firmware/${deviceClass}/${MANIFEST}`,
      entries: [{ key: 'Image_file', value: target.fileName, from: 'firmware.version' }],
      ignored: [],
    };
  }
  if (recognition.file !== 'app') return undefined;
  const device = context.device;
  // The class the phone gives must be the model the operator gave, when there is one.
  if (!device || device.vendor !== 'oem') return undefined;
  if (device.model !== undefined && device.model.toLowerCase() !== deviceClass.toLowerCase())
    return undefined;
  const { entries, ignored } = mapSettings(context.settings);
  return { file: `${deviceClass}/app`, entries, ignored };
}

export function renderFile(recognition: Recognition, context: RenderContext): Artifact | undefined {
  const explanation = explainFile(recognition, context);
  if (!explanation) return undefined;
  if (recognition.file === 'manifest') {
    return {
      body: Buffer.from(renderManifest(context.firmware!.fileName), 'utf8'),
      contentType: TEXT,
    };
  }
  const lines = explanation.entries.map(({ key, value }) => ({ key, value }));
  const xml = context.settings['provisioning.config_format'] === 'xml';
  const plain = xml ? renderXmlFragment(lines) : renderPlain(lines);
  if (context.settings['security.config_encryption'] !== true) {
    return { body: Buffer.from(plain, 'utf8'), contentType: xml ? XML : TEXT };
  }
  const cipher = oemCipher(context.settings);
  const keyText = context.settings['security.config_key'];
  const key = typeof keyText === 'string' ? cipherKey(cipher, keyText) : undefined;
  if (!key) return undefined;
  const hex = encryptConfig(cipher, Buffer.from(plain, 'utf8'), key).toString('hex');
  const { oem } = splitClass(recognition.params!['class']!);
  return { body: Buffer.from(renderEncrypted(hex, oem), 'utf8'), contentType: XML };
}

/** An image file is served only when it is the one currentversion.txt names for this phone. */
export function firmwareImage(
  recognition: Recognition,
  context: RenderContext,
): FirmwareRef | undefined {
  const target = context.firmware;
  const file = recognition.params?.['file'];
  if (recognition.file !== 'image' || !target || file !== target.fileName) return undefined;
  return { vendor: target.vendor, model: target.model, version: target.version };
}
