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
  | 'model-security'
  | 'mac-local'
  | 'mac-contact'
  | 'mac-calllog'
  | 'firmware-image';

export const COMMON_BOOT = 'y000000000000.boot';
export const COMMON_CFG = 'y000000000000.cfg';

export const CONTENT_TYPE = 'text/plain; charset=utf-8';
export const ENCRYPTED_TYPE = 'application/octet-stream';
export const PHONEBOOK_TYPE = 'application/xml';

/** A cfg's key file: `<name>_Security.enc` next to `<name>.cfg`. */
export const SECURITY_SUFFIX = '_Security.enc';
export const PHONEBOOK_SUFFIX = '-contacts.xml';
export const COMMON_NAME = 'y000000000000';

/**
 * What the phone itself writes and sends back with HTTP PUT (Yealink's administrator guides:
 * "MAC-local CFG File", "Backing up the local contacts"), by the suffix after its MAC.
 */
export const UPLOADS = {
  'mac-local': '-local.cfg',
  'mac-contact': '-contact.xml',
  'mac-calllog': '-calllog.xml',
} as const;

export type UploadFile = keyof typeof UPLOADS;

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

/** The name a phone writes an upload under: `<mac>-local.cfg`, `<mac>-contact.xml`. */
export function uploadName(file: UploadFile, mac: Mac): string {
  return `${mac}${UPLOADS[file]}`;
}

/** The per-model common file, `y0000000000XX.cfg`, from its number as recognise keeps it. */
export function modelCfgName(code: string): string {
  return `y${code.padStart(12, '0')}.cfg`;
}

const FILES: ReadonlySet<string> = new Set<YealinkFile>([
  'mac-bare',
  'mac-boot',
  'mac-cfg',
  'common-boot',
  'common-cfg',
  'model-cfg',
  'mac-phonebook',
  'common-phonebook',
  'mac-security',
  'common-security',
  'model-security',
  'mac-local',
  'mac-contact',
  'mac-calllog',
  'firmware-image',
]);

export function isYealinkFile(file: string): file is YealinkFile {
  return FILES.has(file);
}

/** Only the MAC files carry one device's settings; the rest are shared by every phone. */
export function isDeviceFile(file: YealinkFile): boolean {
  return (
    file === 'mac-bare' ||
    file === 'mac-boot' ||
    file === 'mac-cfg' ||
    file === 'mac-phonebook' ||
    file === 'mac-security' ||
    isUploadFile(file)
  );
}

export function isUploadFile(file: YealinkFile): file is UploadFile {
  return file === 'mac-local' || file === 'mac-contact' || file === 'mac-calllog';
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
