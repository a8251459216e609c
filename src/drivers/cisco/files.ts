import type { Mac } from '../../model/mac.ts';

/**
 * The files of a Cisco phone as recognise names them: the bootstrap its factory
 * Profile_Rule asks for (`spa$PSN.cfg` on SPA, `$PSN.xml` on MPP), the phone's own profile
 * the bootstrap's Profile_Rule_B names (`$MA.xml`; `spa$MA.cfg`, `spa$MA.xml` and `$MA.cfg`
 * are taken too, for rules an operator wrote), and the XML directory its phonebook key opens.
 */
export type CiscoFile = 'bootstrap' | 'profile' | 'mac-directory' | 'common-directory';

export const XML_TYPE = 'text/xml; charset=utf-8';
export const ENCRYPTED_TYPE = 'application/octet-stream';
export const DIRECTORY_SUFFIX = '-directory.xml';
export const COMMON_DIRECTORY = 'directory.xml';

/** The rule of the phone's own profile, for the phone to expand: `$MA.xml`. */
export const PROFILE_RULE_FILE = '$MA.xml';

export function profileName(mac: Mac): string {
  return `${mac}.xml`;
}

export function directoryName(mac: Mac): string {
  return `${mac}${DIRECTORY_SUFFIX}`;
}

export function isCiscoFile(file: string): file is CiscoFile {
  return ['bootstrap', 'profile', 'mac-directory', 'common-directory'].includes(file);
}
