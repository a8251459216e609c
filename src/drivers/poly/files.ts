import type { Mac } from '../../model/mac.ts';

/**
 * The files of a Poly (Polycom) UC Software phone as recognise names them (Polycom SIP 3.x
 * Administrator's Guide, "Master Configuration Files"; Poly FAQ on the files a phone
 * downloads and uploads):
 *
 * - `master` / `common-master`      `<mac>.cfg`, else `000000000000.cfg`: the `APPLICATION`
 *                                  element naming the firmware and the configuration files.
 * - `settings` / `common-settings`  `<mac>-settings.cfg`, `000000000000-settings.cfg`: the
 *                                  parameters, the one file the master's CONFIG_FILES names.
 * - `directory` / `common-directory` `<mac>-directory.xml`, `000000000000-directory.xml`: the
 *                                  local contact directory (the phone also uploads its own).
 * - `override`                     `<mac>-phone.cfg`, `<mac>-web.cfg`: changes made on the
 *                                  phone or its web interface, uploaded by the phone.
 * - `upload`                       `<mac>-app.log`, `-boot.log`, `-appFlash.log`,
 *                                  `-bootFlash.log`, `-calls.xml`: uploads only.
 * - `firmware`                     `[<part number>.]<name>.sip.ld`: the application image.
 *
 * MACs are lower case as the phone asks (either case is recognised).
 */
export type PolyFile =
  | 'master'
  | 'common-master'
  | 'settings'
  | 'common-settings'
  | 'directory'
  | 'common-directory'
  | 'override'
  | 'upload'
  | 'firmware';

export const COMMON = '000000000000';
export const SETTINGS_SUFFIX = '-settings.cfg';
export const DIRECTORY_SUFFIX = '-directory.xml';
export const XML_TYPE = 'application/xml; charset=utf-8';

export function masterName(owner: Mac | typeof COMMON): string {
  return `${owner}.cfg`;
}

export function settingsName(owner: Mac | typeof COMMON): string {
  return `${owner}${SETTINGS_SUFFIX}`;
}

export function directoryName(owner: Mac | typeof COMMON): string {
  return `${owner}${DIRECTORY_SUFFIX}`;
}

export function isPolyFile(file: string): file is PolyFile {
  return [
    'master',
    'common-master',
    'settings',
    'common-settings',
    'directory',
    'common-directory',
    'override',
    'upload',
    'firmware',
  ].includes(file);
}
