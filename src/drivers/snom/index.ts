import type { Driver } from '../driver.ts';
import { snomDhcp } from './dhcp.ts';
import { snomPhone } from './phone.ts';
import { checkSync, claimsPnp, plugAndPlayUrl, provisioningUrl } from './pnp.ts';
import { recognise } from './recognise.ts';
import { deviceFiles, explainFile, renderFile } from './render.ts';
import { parseUserAgent } from './user-agent.ts';

/** Snom D-series desk phones: `<setting-files>` lists and XML settings with `idx`/`perm`. */
export const snomDriver: Driver = {
  name: 'snom',
  vendors: ['snom'],
  defaultVendor: 'snom',
  recognise,
  parseUserAgent,
  render: renderFile,
  explain: explainFile,
  files: deviceFiles,
  phone: snomPhone,
  dhcp: snomDhcp,
  provisioningUrl,
  claimsPnp,
  plugAndPlayUrl,
  checkSync,
};
