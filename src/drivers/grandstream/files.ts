import type { Mac } from '../../model/mac.ts';

/**
 * The files a Grandstream phone asks for, as recognise names them (SIP Device Provisioning
 * Guide, "Provisioning flow"): the legacy binary `cfg<mac>` (newer guides: `cfg<mac>.bin`),
 * then `cfg<mac>.xml`, else `cfg<model>.xml`, else `cfg.xml`; the phonebook it downloads from
 * its phonebook path (`<path>/phonebook.xml`); and the firmware image from its firmware path.
 * All names are lowercase on the phone; plugndial reads them in any case.
 */
export type GrandstreamFile =
  | 'mac-binary'
  | 'mac-xml'
  | 'model-xml'
  | 'common-xml'
  | 'mac-phonebook'
  | 'common-phonebook'
  | 'firmware';

export const XML_TYPE = 'text/xml; charset=utf-8';
export const BINARY_TYPE = 'application/octet-stream';
export const COMMON_XML = 'cfg.xml';
export const PHONEBOOK = 'phonebook.xml';
/** Where a device's phonebook lives: its own directory, since the phone names only the file. */
export const PHONEBOOK_DIR = 'phonebook';

export function macBinaryName(mac: Mac): string {
  return `cfg${mac}`;
}

export function macXmlName(mac: Mac): string {
  return `cfg${mac}.xml`;
}

export function modelXmlName(model: string): string {
  return `cfg${model.toLowerCase()}.xml`;
}

export function macPhonebookPath(mac: Mac): string {
  return `${PHONEBOOK_DIR}/${mac}/${PHONEBOOK}`;
}

export function isGrandstreamFile(file: string): file is GrandstreamFile {
  return [
    'mac-binary',
    'mac-xml',
    'model-xml',
    'common-xml',
    'mac-phonebook',
    'common-phonebook',
    'firmware',
  ].includes(file);
}

/** Files rendered from settings (not the phonebook, not the image). */
export function isConfigFile(file: GrandstreamFile): boolean {
  return (
    file === 'mac-binary' || file === 'mac-xml' || file === 'model-xml' || file === 'common-xml'
  );
}
