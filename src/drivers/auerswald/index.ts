import type { Driver } from '../driver.ts';
import { auerswaldDhcp } from './dhcp.ts';
import { deviceFiles } from './files.ts';
import { auerswaldPhone } from './phone.ts';
import { checkSync, claimsPnp, plugAndPlayUrl, provisioningUrl } from './pnp.ts';
import { recognise } from './recognise.ts';
import { explainFile, renderFile } from './render.ts';
import { HARDWARE_TYPE, VENDOR, parseUserAgent } from './user-agent.ts';

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
  claimsPnp,
  plugAndPlayUrl,
  checkSync,
  models: {
    knows: (_vendor, model) => HARDWARE_TYPE.test(model.trim().replace(/^comfortel\s+/i, '')),
    describe: () =>
      'the D series hardware type, D100, D200, D400, D600 or a successor such as D210',
  },
  nativeNames: () => ['auerswald'],
  takesCredentials: false,
};
