import type { Driver } from '../driver.ts';
import { oemDhcp } from './dhcp.ts';
import { oemPhone } from './phone.ts';
import { checkSync, claimsPnp, plugAndPlayUrl } from './pnp.ts';
import { recognise } from './recognise.ts';
import { explainFile, firmwareImage, renderFile } from './render.ts';
import { parseUserAgent } from './user-agent.ts';

/** The Plug-n-Dial Automatic Provisioning System (seed 000): app requests and currentversion.txt. */
export const oemDriver: Driver = {
  name: 'oem',
  vendors: ['oem'],
  defaultVendor: 'oem',
  recognise,
  parseUserAgent,
  render: renderFile,
  explain: explainFile,
  firmwareImage,
  // The app answer's path carries the class, which only the device's model says.
  files: () => [],
  phone: oemPhone,
  dhcp: oemDhcp,
  claimsPnp,
  plugAndPlayUrl,
  checkSync,
};
