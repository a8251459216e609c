import type { Driver } from '../driver.ts';
import { gigasetDhcp } from './dhcp.ts';
import { MODELS, modelByName } from './models.ts';
import { deviceFiles } from './files.ts';
import { gigasetPhone } from './phone.ts';
import { checkSync, claimsPnp, plugAndPlayUrl, provisioningUrl } from './pnp.ts';
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
  claimsPnp,
  plugAndPlayUrl,
  checkSync,
  models: {
    knows: (_vendor, model) => modelByName(model) !== undefined,
    describe: () => MODELS.map((model) => model.name).join(', '),
  },
  nativeNames: () => ['gigaset'],
  takesCredentials: false,
};
