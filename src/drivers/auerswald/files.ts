import { formatMac, type Mac } from '../../model/mac.ts';

/** The files of an Auerswald phone, as recognise names them in `Recognition.file`. */
export type AuerswaldFile = 'entry' | 'common' | 'settings' | 'operations';

export const COMMON = 'auerswald-common.xml';
export const SETTINGS = 'settings.xml';
export const OPERATIONS = 'operations.xml';

export const CONTENT_TYPE = 'application/xml; charset=utf-8';

export function isAuerswaldFile(file: string): file is AuerswaldFile {
  return file === 'entry' || file === 'common' || file === 'settings' || file === 'operations';
}

/** The MAC as `<MACADR>` writes it: uppercase, no separators. */
export function macadr(mac: Mac): string {
  return formatMac(mac, 'BARE');
}

/** The paths one device has, for `plugndial render <mac>`. */
export function deviceFiles(mac: Mac): string[] {
  const name = macadr(mac);
  return [`${name}.xml`, COMMON, `${name}/${SETTINGS}`, `${name}/${OPERATIONS}`];
}
