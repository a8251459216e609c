import type { Driver } from '../driver.ts';
import { polyDhcp } from './dhcp.ts';
import { polyPhone } from './phone.ts';
import { checkSync, provisioningUrl } from './pnp.ts';
import { recognise } from './recognise.ts';
import { deviceFiles, explainFile, firmwareImage, renderFile } from './render.ts';
import { parseUserAgent } from './user-agent.ts';

/** Poly (Polycom) UC Software phones, VVX, Trio and Edge E: a master file and attribute-style parameters. */
export const polyDriver: Driver = {
  name: 'poly',
  vendors: ['poly'],
  defaultVendor: 'poly',
  recognise,
  parseUserAgent,
  render: renderFile,
  explain: explainFile,
  firmwareImage,
  files: deviceFiles,
  phone: polyPhone,
  dhcp: polyDhcp,
  provisioningUrl,
  checkSync,
};
