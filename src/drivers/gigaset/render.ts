import { writeXml, type XmlElement } from '../../formats/xml.ts';
import { formatMac, type Mac } from '../../model/mac.ts';
import { settingToText } from '../../model/settings.ts';
import type {
  Artifact,
  Explanation,
  NativeEntry,
  Recognition,
  RenderContext,
  VersionedContent,
} from '../driver.ts';
import {
  provisioningDocument,
  scenarioDocument,
  settingsDocument,
  singleDocument,
  updatesDocument,
  type Param,
} from './documents.ts';
import {
  CATEGORIES,
  CONTENT_TYPE,
  PROVISIONING,
  isGigasetFile,
  settingsPath,
  updatesPath,
  type Category,
  type GigasetFile,
} from './files.ts';
import { productIdFor } from './models.ts';
import { mapParams } from './params.ts';
import { formatUvc } from './uvc.ts';

/** Read by the chain itself rather than by a parameter: never reported as ignored. */
const CHAIN_KEYS = [
  'provisioning.layout',
  'firmware.url',
  'firmware.version',
  'resources.certificate',
];

// Seed 002's only documented flag: install the certificate without asking the user.
const CERTIFICATE_FLAGS = 'FORCE_ACCEPT';

/** One phone's identity in its files. */
interface Phone {
  mac: Mac;
  productId: string;
  /** `macAddress` as seed 002 wants it: lowercase, with colons. */
  macAddress: string;
}

interface FirmwareOffer {
  url: string;
  version?: string;
  /** What identifies the offer whatever door the phone used. */
  content: string;
}

interface Document {
  root: XmlElement;
  entries: NativeEntry[];
  ignored: string[];
}

export function renderFile(recognition: Recognition, context: RenderContext): Artifact | undefined {
  const document = buildDocument(recognition, context);
  if (!document) return undefined;
  return { body: Buffer.from(writeXml(document.root), 'utf8'), contentType: CONTENT_TYPE };
}

export function explainFile(
  recognition: Recognition,
  context: RenderContext,
): Explanation | undefined {
  const document = buildDocument(recognition, context);
  const phone = phoneOf(recognition, context);
  if (!document || !phone) return undefined;
  return {
    file: fileName(recognition.file as GigasetFile, phone.mac, context),
    entries: document.entries,
    ignored: document.ignored,
  };
}

/**
 * The canonical content of each category a file needs a UVC for. It holds nothing that
 * depends on the door or host the phone used, so every node and every URL agree.
 */
export function versionedContent(
  recognition: Recognition,
  context: RenderContext,
): VersionedContent[] {
  const phone = phoneOf(recognition, context);
  if (!phone || chainless(context)) return [];
  switch (recognition.file) {
    case 'nvm-updates':
    case 'nvm-settings':
      return [{ category: 'nvm', content: writeXml(settingsFile(phone, context).root) }];
    case 'firmware-updates': {
      const offer = firmwareOffer(context);
      return offer ? [{ category: 'firmware', content: offer.content }] : [];
    }
    case 'custom-updates': {
      const paths = certificatePaths(context);
      return paths.length > 0 ? [{ category: 'custom', content: paths.join('\n') }] : [];
    }
    default:
      return [];
  }
}

function buildDocument(recognition: Recognition, context: RenderContext): Document | undefined {
  const file = recognition.file;
  const phone = phoneOf(recognition, context);
  if (!isGigasetFile(file) || !phone) return undefined;
  if (chainless(context)) return file === 'provisioning' ? singleFile(phone, context) : undefined;
  switch (file) {
    case 'provisioning':
      return chainStart(phone, context);
    case 'firmware-updates':
      return firmwareUpdates(phone, context);
    case 'nvm-updates':
      return nvmUpdates(phone, context);
    case 'custom-updates':
      return scenario(phone, context);
    case 'nvm-settings': {
      // A settings file named by a UVC that is no longer current is not served: the phone
      // would store that UVC with other content. It finds the current one at its next check.
      const named = recognition.params?.['uvc'];
      if (named !== undefined && named !== uvcOf(context, 'nvm')) return undefined;
      return settingsFile(phone, context);
    }
  }
}

/** Provisioning 1.0: where the updates file of each category is. */
function chainStart(phone: Phone, context: RenderContext): Document {
  const present: Record<Category, boolean> = {
    firmware: firmwareOffer(context) !== undefined,
    nvm: true,
    custom: certificatePaths(context).length > 0,
  };
  const categories = CATEGORIES.filter((type) => present[type]).map((type) => ({
    type,
    url: `${context.baseUrl}${updatesPath(phone.mac, type)}`,
  }));
  return {
    root: provisioningDocument(phone.productId, categories),
    entries: categories.map(({ type, url }) => ({ key: `category.${type}`, value: url })),
    ignored: [],
  };
}

function firmwareUpdates(phone: Phone, context: RenderContext): Document | undefined {
  const offer = firmwareOffer(context);
  const uvc = uvcOf(context, 'firmware');
  if (!offer || !uvc) return undefined;
  return {
    root: updatesDocument('firmware', phone.productId, [
      { version: uvc, type: 'latest', url: offer.url },
    ]),
    entries: [{ key: 'file', value: offer.url, from: 'firmware' }],
    ignored: [],
  };
}

function nvmUpdates(phone: Phone, context: RenderContext): Document | undefined {
  const uvc = uvcOf(context, 'nvm');
  if (!uvc) return undefined;
  const url = `${context.baseUrl}${settingsPath(phone.mac, uvc)}`;
  return {
    root: updatesDocument('nvm', phone.productId, [{ version: uvc, url }], phone.macAddress),
    entries: [{ key: 'file', value: url }],
    ignored: [],
  };
}

/** The custom category's updates file is the scenario itself, its UVC on the root. */
function scenario(phone: Phone, context: RenderContext): Document | undefined {
  const paths = certificatePaths(context);
  const uvc = uvcOf(context, 'custom');
  if (paths.length === 0 || !uvc) return undefined;
  const urls = paths.map((path) => servedUrl(context.baseUrl, path));
  return {
    root: scenarioDocument(
      uvc,
      phone.productId,
      urls.map((url) => ({ url, flags: CERTIFICATE_FLAGS })),
    ),
    entries: urls.map((url) => ({
      key: 'step.certificate',
      value: url,
      from: 'resources.certificate',
    })),
    ignored: [],
  };
}

function settingsFile(phone: Phone, context: RenderContext): Document {
  const mapping = mapParams(context.settings, CHAIN_KEYS);
  return {
    root: settingsDocument(phone.productId, phone.macAddress, params(mapping.entries)),
    entries: mapping.entries,
    ignored: mapping.ignored,
  };
}

/** Provisioning 1.1: firmware and parameters in the one file the phone asks for. */
function singleFile(phone: Phone, context: RenderContext): Document {
  const mapping = mapParams(context.settings, CHAIN_KEYS);
  const offer = firmwareOffer(context);
  // Without UVCs the phone compares firmware versions: an offer without one is left out.
  const firmware =
    offer?.version === undefined ? undefined : { version: offer.version, url: offer.url };
  const entries: NativeEntry[] = firmware
    ? [{ key: 'firmware.file', value: firmware.url, from: 'firmware' }]
    : [];
  return {
    root: singleDocument(phone.productId, firmware, params(mapping.entries)),
    entries: [...entries, ...mapping.entries],
    ignored: mapping.ignored,
  };
}

function params(entries: readonly NativeEntry[]): Param[] {
  return entries.map(({ key, value }) => ({ name: key, value }));
}

function phoneOf(recognition: Recognition, context: RenderContext): Phone | undefined {
  const device = context.device;
  const mac = device?.mac ?? recognition.mac;
  if (!device || !mac) return undefined;
  const model = device.model ?? context.reported?.model ?? device.reported?.model;
  return {
    mac,
    productId: productIdFor(context.settings, model),
    macAddress: formatMac(mac, 'colon'),
  };
}

function chainless(context: RenderContext): boolean {
  return context.settings['provisioning.layout'] === 'single';
}

function uvcOf(context: RenderContext, category: Category): string | undefined {
  const version = context.versions?.[category];
  return version ? formatUvc(version) : undefined;
}

/** The catalogue's image for this phone, else the operator's own firmware URL. */
function firmwareOffer(context: RenderContext): FirmwareOffer | undefined {
  const target = context.firmware;
  if (target) {
    return {
      url: target.url,
      version: target.version,
      content: `catalogue\n${target.version}\n${target.sha256}`,
    };
  }
  const url = context.settings['firmware.url'];
  if (url === undefined) return undefined;
  const version = context.settings['firmware.version'];
  const text = settingToText(url);
  return {
    url: text,
    ...(version === undefined ? {} : { version: settingToText(version) }),
    content: `url\n${text}\n${version === undefined ? '' : settingToText(version)}`,
  };
}

function certificatePaths(context: RenderContext): string[] {
  const path = context.settings['resources.certificate'];
  return path === undefined ? [] : [settingToText(path)];
}

/** A stored file's URL below the door and prefix the phone used (the overlay serves any prefix). */
function servedUrl(baseUrl: string, path: string): string {
  return `${baseUrl}${path.split('/').map(encodeURIComponent).join('/')}`;
}

function fileName(file: GigasetFile, mac: Mac, context: RenderContext): string {
  if (file === 'provisioning') return `${mac}/${PROVISIONING}`;
  if (file === 'nvm-settings') {
    const uvc = uvcOf(context, 'nvm');
    return uvc ? settingsPath(mac, uvc) : `${mac}/nvm/settings.xml`;
  }
  return updatesPath(mac, file.replace('-updates', '') as Category);
}
