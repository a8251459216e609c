import type { DoorUrls, Driver } from '../driver.ts';
import { auerswaldDhcp } from './dhcp.ts';
import { deviceFiles } from './files.ts';
import { auerswaldPhone } from './phone.ts';
import { recognise } from './recognise.ts';
import { explainFile, renderFile } from './render.ts';
import { VENDOR, parseUserAgent } from './user-agent.ts';

/** Auerswald COMfortel D-series (seed 003): settings patches, references, operations, markers. */
export const auerswaldDriver: Driver = {
  name: 'auerswald',
  vendors: [VENDOR],
  defaultVendor: VENDOR,
  recognise,
  parseUserAgent,
  render: renderFile,
  explain: explainFile,
  provisioningUrl,
  files: deviceFiles,
  phone: auerswaldPhone,
  dhcp: auerswaldDhcp,
};

/** The entry file, with the markers the phone fills in: its MAC, serial and hardware type. */
function provisioningUrl(doors: DoorUrls): string | undefined {
  const door = doors.https ?? doors.http;
  return door === undefined
    ? undefined
    : `${door.replace(/\/+$/, '')}/auerswald/{mac}.xml?sn={serial}&hw={type}`;
}
