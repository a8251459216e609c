import { xmlElement, type XmlElement } from '../../formats/xml.ts';
import type { Category } from './files.ts';

/**
 * The XML documents of seed 002, built from plain values. The driver decides the values;
 * these only give them the shape the phone reads, so they can be checked against the
 * seed's own examples.
 */

export interface FileEntry {
  version: string;
  url: string;
  /** `latest` on firmware files, as the seed writes it. */
  type?: string;
}

export interface Param {
  name: string;
  value: string;
}

/** Provisioning 1.0: the updates file of each category. */
export function provisioningDocument(
  productId: string,
  categories: readonly { type: Category; url: string }[],
): XmlElement {
  return xmlElement(
    'provisioning',
    { version: '1.0', productID: productId },
    categories.map(({ type, url }) => xmlElement('category', { type, url })),
  );
}

/** An updates file of the firmware or nvm category; `macAddress` lowercase with colons. */
export function updatesDocument(
  category: 'firmware' | 'nvm',
  productId: string,
  files: readonly FileEntry[],
  macAddress?: string,
): XmlElement {
  const attributes: Record<string, string> = { version: '1.0', productID: productId };
  if (macAddress !== undefined) attributes['macAddress'] = macAddress;
  return xmlElement(
    category,
    attributes,
    files.map(({ version, url, type }) =>
      xmlElement('file', type === undefined ? { version, url } : { version, type, url }),
    ),
  );
}

/** The custom category's updates file: a scenario, its UVC on the root. */
export function scenarioDocument(
  uvc: string,
  productId: string,
  certificates: readonly { url: string; flags: string }[],
): XmlElement {
  return xmlElement(
    'scenario',
    { version: uvc, productID: productId },
    certificates.map(({ url, flags }) => xmlElement('step', { type: 'certificate', url, flags })),
  );
}

export function settingsDocument(
  productId: string,
  macAddress: string,
  params: readonly Param[],
): XmlElement {
  return xmlElement(
    'settings',
    { version: '1.0', productID: productId, macAddress },
    params.map(paramElement),
  );
}

/** Provisioning 1.1: firmware and parameters in one file. */
export function singleDocument(
  productId: string,
  firmware: FileEntry | undefined,
  params: readonly Param[],
): XmlElement {
  const children: XmlElement[] = [];
  if (firmware) {
    children.push(
      xmlElement('firmware', {}, [
        xmlElement('file', { version: firmware.version, url: firmware.url }),
      ]),
    );
  }
  children.push(xmlElement('nvm', {}, params.map(paramElement)));
  return xmlElement('provisioning', { version: '1.1', productID: productId }, children);
}

function paramElement({ name, value }: Param): XmlElement {
  return xmlElement('param', { name, value });
}
