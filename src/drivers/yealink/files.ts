import type { Mac } from '../../model/mac.ts';

/** The files of a Yealink-style phone, as recognise names them in `Recognition.file`. */
export type YealinkFile =
  | 'mac-bare'
  | 'mac-boot'
  | 'mac-cfg'
  | 'common-boot'
  | 'common-cfg'
  | 'model-cfg'
  | 'mac-phonebook'
  | 'common-phonebook'
  | 'mac-security'
  | 'common-security'
  | 'model-security';

export const COMMON_BOOT = 'y000000000000.boot';
export const COMMON_CFG = 'y000000000000.cfg';

export const CONTENT_TYPE = 'text/plain; charset=utf-8';
export const ENCRYPTED_TYPE = 'application/octet-stream';
export const PHONEBOOK_TYPE = 'application/xml';

/** A cfg's key file: `<name>_Security.enc` next to `<name>.cfg`. */
export const SECURITY_SUFFIX = '_Security.enc';
export const PHONEBOOK_SUFFIX = '-contacts.xml';
export const COMMON_NAME = 'y000000000000';

/** Flyingvoice's "Config File Name $(MA)": the MAC alone, asked for before `<mac>.boot`. */
export function macBareName(mac: Mac): string {
  return mac;
}

export function macBootName(mac: Mac): string {
  return `${mac}.boot`;
}

export function macCfgName(mac: Mac): string {
  return `${mac}.cfg`;
}

/** The per-model common file, `y0000000000XX.cfg`. */
export function modelCfgName(code: string): string {
  return `y0000000000${code}.cfg`;
}

export function isYealinkFile(file: string): file is YealinkFile {
  return (
    file === 'mac-bare' ||
    file === 'mac-boot' ||
    file === 'mac-cfg' ||
    file === 'common-boot' ||
    file === 'common-cfg' ||
    file === 'model-cfg' ||
    file === 'mac-phonebook' ||
    file === 'common-phonebook' ||
    file === 'mac-security' ||
    file === 'common-security' ||
    file === 'model-security'
  );
}

/** Only the MAC files carry one device's settings; the rest are shared by every phone. */
export function isDeviceFile(file: YealinkFile): boolean {
  return (
    file === 'mac-bare' ||
    file === 'mac-boot' ||
    file === 'mac-cfg' ||
    file === 'mac-phonebook' ||
    file === 'mac-security'
  );
}

export function isCfgFile(file: YealinkFile): boolean {
  return file === 'mac-cfg' || file === 'common-cfg' || file === 'model-cfg';
}

export function isSecurityFile(file: YealinkFile): boolean {
  return file === 'mac-security' || file === 'common-security' || file === 'model-security';
}

export function isPhonebookFile(file: YealinkFile): boolean {
  return file === 'mac-phonebook' || file === 'common-phonebook';
}

export function isBootFile(file: YealinkFile): boolean {
  return file === 'mac-bare' || file === 'mac-boot' || file === 'common-boot';
}

/** The files one device has, in the order its phone asks for them. */
export function deviceFiles(mac: Mac): string[] {
  return [macBootName(mac), macCfgName(mac), COMMON_BOOT, COMMON_CFG];
}
