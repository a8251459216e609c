import type { Driver } from '../driver.ts';
import { auerswaldDhcp } from './dhcp.ts';
import { deviceFiles } from './files.ts';
import { auerswaldPhone } from './phone.ts';
import { checkSync, claimsPnp, plugAndPlayUrl, provisioningUrl } from './pnp.ts';
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
  claimsPnp,
  plugAndPlayUrl,
  checkSync,
};
