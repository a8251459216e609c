import type { Driver } from '../driver.ts';
import { snomDhcp } from './dhcp.ts';
import { snomPhone } from './phone.ts';
import { checkSync, claimsPnp, plugAndPlayUrl, provisioningUrl } from './pnp.ts';
import { recognise } from './recognise.ts';
import { IDENTITIES } from './mapping.ts';
import { deviceFiles, explainFile, renderFile } from './render.ts';
import { parseUserAgent } from './user-agent.ts';

// The files withheld under security.config_encryption=true (render.ts).
const ENCRYPTED: ReadonlySet<string> = new Set(['model-xml', 'mac-xml', 'tbook']);

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
  configKeys: {
    none: 'Snom documents no encrypted setting file',
    describe: () => 'no key (Snom documents no encrypted setting file)',
    fits: () => false,
    encrypts: (recognition) => ENCRYPTED.has(recognition.file),
  },
  nativeNames: () => ['snom'],
  // Every model has identities 1–12; the key range depends on the model and its modules.
  capacity: () => ({ accounts: IDENTITIES, known: false }),
  takesCredentials: true,
};
