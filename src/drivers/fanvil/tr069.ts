import type { CpeDescription, PhoneIdentity, Tr069Knowledge } from '../driver.ts';
import { macFileName } from './files.ts';
import { DEFAULT_FIRMWARE, DEFAULT_MODEL } from './user-agent.ts';

/**
 * Seed 004 §4 (TR069): the ACS sends `Download` with FileType `3 Vendor Configuration File`
 * and the phone fetches the file named in it. The phone's own file carries all its settings
 * (defaults, profiles and device merged), so it is the one the Download names.
 */
export const fanvilTr069: Tr069Knowledge = {
  configFile: (device) => macFileName(device.mac),
};

/** Fanvil's OUI (the MAC prefix of seed 004's User-Agent example); the serial is the MAC. */
export function fanvilCpe(identity: PhoneIdentity): CpeDescription {
  return {
    manufacturer: 'Fanvil',
    oui: '0C383E',
    productClass: identity.model ?? DEFAULT_MODEL,
    serialNumber: identity.serial ?? identity.mac,
    softwareVersion: identity.firmware ?? DEFAULT_FIRMWARE,
    root: 'InternetGatewayDevice',
  };
}
