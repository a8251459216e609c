import type { Mac } from '../../model/mac.ts';
import { uvcInName } from './uvc.ts';

/** The three categories of provisioning 1.0 (seed 002), in the order the phone takes them. */
export const CATEGORIES = ['firmware', 'nvm', 'custom'] as const;
export type Category = (typeof CATEGORIES)[number];

/** The files of a Gigaset phone, as recognise names them in `Recognition.file`. */
export type GigasetFile =
  'provisioning' | 'firmware-updates' | 'nvm-updates' | 'custom-updates' | 'nvm-settings';

export const PROVISIONING = 'provisioning.xml';
export const UPDATES = 'updates.xml';
export const SETTINGS = 'settings.xml';

export const CONTENT_TYPE = 'application/xml; charset=utf-8';

export function isGigasetFile(file: string): file is GigasetFile {
  return (
    file === 'provisioning' ||
    file === 'firmware-updates' ||
    file === 'nvm-updates' ||
    file === 'custom-updates' ||
    file === 'nvm-settings'
  );
}

/** Where a device's files live below the phone's prefix: `<mac>/<category>/updates.xml`. */
export function updatesPath(mac: Mac, category: Category): string {
  return `${mac}/${category}/${UPDATES}`;
}

/** The settings file named by its UVC, so a name never stands for two contents. */
export function settingsPath(mac: Mac, uvc: string): string {
  return `${mac}/nvm/settings_${uvcInName(uvc)}.xml`;
}

/** The paths one device has, for `plugndial render <mac>`. */
export function deviceFiles(mac: Mac): string[] {
  return [
    `${mac}/${PROVISIONING}`,
    updatesPath(mac, 'firmware'),
    updatesPath(mac, 'nvm'),
    `${mac}/nvm/${SETTINGS}`,
    updatesPath(mac, 'custom'),
  ];
}
