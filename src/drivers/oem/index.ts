import type { Driver } from '../driver.ts';
import { oemDhcp } from './dhcp.ts';
import { oemKeys } from './encryption.ts';
import { oemPhone } from './phone.ts';
import { checkSync, claimsPnp, plugAndPlayUrl } from './pnp.ts';
import { recognise } from './recognise.ts';
import { explainFile, firmwareImage, renderFile } from './render.ts';
import { isDeviceClass } from './request.ts';
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
  configKeys: oemKeys,
  models: {
    knows: (_vendor, model) => isDeviceClass(model),
    describe: () => 'the APS class the device sends, <Make>/<Model>, e.g. leadtek/LR8051S',
  },
  nativeNames: () => ['oem'],
  // The app answer has no field for the provisioning server's own credentials.
  takesCredentials: false,
};
