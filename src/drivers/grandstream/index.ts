import type { Driver } from '../driver.ts';
import { grandstreamDhcp } from './dhcp.ts';
import { macBinaryName, macPhonebookPath, macXmlName } from './files.ts';
import { grandstreamPhone } from './phone.ts';
import { checkSync, claimsPnp, plugAndPlayUrl } from './pnp.ts';
import { recognise } from './recognise.ts';
import { explainFile, firmwareImage, renderFile } from './render.ts';
import { parseUserAgent } from './user-agent.ts';

/** Grandstream GXP/GRP/DP/WP/HT: `cfg<mac>.xml` and its fallbacks, aliases or P-values. */
export const grandstreamDriver: Driver = {
  name: 'grandstream',
  vendors: ['grandstream'],
  defaultVendor: 'grandstream',
  recognise,
  parseUserAgent,
  render: renderFile,
  explain: explainFile,
  firmwareImage,
  files: (mac) => [macXmlName(mac), macBinaryName(mac), macPhonebookPath(mac)],
  phone: grandstreamPhone,
  dhcp: grandstreamDhcp,
  claimsPnp,
  plugAndPlayUrl,
  checkSync,
};
