import type { DoorUrls, Driver } from '../driver.ts';
import { gigasetDhcp } from './dhcp.ts';
import { deviceFiles } from './files.ts';
import { gigasetPhone } from './phone.ts';
import { recognise } from './recognise.ts';
import { explainFile, renderFile, versionedContent } from './render.ts';
import { VENDOR, parseUserAgent } from './user-agent.ts';

/** Gigaset Maxwell XML provisioning (seed 002): the 1.0 chain with UVCs, and the 1.1 file. */
export const gigasetDriver: Driver = {
  name: 'gigaset',
  vendors: [VENDOR],
  defaultVendor: VENDOR,
  recognise,
  parseUserAgent,
  render: renderFile,
  explain: explainFile,
  versionedContent,
  provisioningUrl,
  files: deviceFiles,
  phone: gigasetPhone,
  dhcp: gigasetDhcp,
};

/**
 * The phone expands `%MACD` itself, then asks for `<url>`, which this driver answers with
 * the provisioning file: no `provisioning.xml` or `<MAC>.xml` round trip is needed.
 */
function provisioningUrl(doors: DoorUrls): string | undefined {
  const door = doors.https ?? doors.http;
  return door === undefined ? undefined : `${door.replace(/\/+$/, '')}/gigaset/%MACD`;
}
