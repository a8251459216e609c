import { formatMac, type Mac } from '../../model/mac.ts';

/**
 * The files of a Snom desk phone as recognise names them (Snom wiki, Auto Provisioning; Desk
 * Phone Configuration Files):
 *
 * - `model-htm`  `snom<model>.htm`, asked first: a `<setting-files>` list naming the model's
 *                settings (defaults and the `default` profile).
 * - `model-xml`  `snom<model>.xml`, those settings.
 * - `mac-htm`    `snom<model>-<MAC>.htm`, asked second: a `<setting-files>` list naming the
 *                phone's own settings and its directory.
 * - `mac-xml`    `<MAC>.xml`, the phone's settings and function keys.
 * - `tbook`      `<MAC>-tbook.xml`, its directory (`<tbook>`), from the contact list.
 * - `firmware`   `<MAC>-firmware.xml`, the firmware setting file `firmware_status` names.
 *
 * The MAC is upper case in the names the phone builds; any case is recognised.
 */
export type SnomFile = 'model-htm' | 'model-xml' | 'mac-htm' | 'mac-xml' | 'tbook' | 'firmware';

export const XML_TYPE = 'application/xml; charset=utf-8';

export const TBOOK_SUFFIX = '-tbook.xml';
export const FIRMWARE_SUFFIX = '-firmware.xml';

export function upperMac(mac: Mac): string {
  return formatMac(mac, 'BARE');
}

export function modelHtmName(model: string): string {
  return `snom${model}.htm`;
}

export function modelXmlName(model: string): string {
  return `snom${model}.xml`;
}

export function macHtmName(model: string, mac: Mac): string {
  return `snom${model}-${upperMac(mac)}.htm`;
}

export function macXmlName(mac: Mac): string {
  return `${upperMac(mac)}.xml`;
}

export function tbookName(mac: Mac): string {
  return `${upperMac(mac)}${TBOOK_SUFFIX}`;
}

export function firmwareName(mac: Mac): string {
  return `${upperMac(mac)}${FIRMWARE_SUFFIX}`;
}

export function isSnomFile(file: string): file is SnomFile {
  return (
    file === 'model-htm' ||
    file === 'model-xml' ||
    file === 'mac-htm' ||
    file === 'mac-xml' ||
    file === 'tbook' ||
    file === 'firmware'
  );
}
