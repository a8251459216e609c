import type { Driver } from '../driver.ts';
import { grandstreamDhcp } from './dhcp.ts';
import { macBinaryName, macPhonebookPath, macXmlName } from './files.ts';
import { grandstreamModels, lineCapacity } from './models.ts';
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
  configKeys: {
    describe: () => 'passphrase the phones hold as their XML Config File Password (P1359)',
    fits: (_vendor, key) => key !== '',
    // XML files are sealed; the binary file cannot be, so it is never served encrypted.
    encrypts: ({ file }) => file === 'mac-xml' || file === 'model-xml' || file === 'common-xml',
  },
  models: grandstreamModels,
  capacity: (_vendor, model) => lineCapacity(model),
  nativeNames: () => ['grandstream'],
  takesCredentials: true,
};
