import type { Driver } from '../driver.ts';
import { polyDhcp } from './dhcp.ts';
import { polyPhone } from './phone.ts';
import { checkSync, provisioningUrl } from './pnp.ts';
import { lineCapacity } from './models.ts';
import { recognise } from './recognise.ts';
import { deviceFiles, explainFile, firmwareImage, renderFile } from './render.ts';
import { parseUserAgent } from './user-agent.ts';

// The files withheld under security.config_encryption=true (render.ts).
const ENCRYPTED: ReadonlySet<string> = new Set([
  'settings',
  'common-settings',
  'directory',
  'common-directory',
]);

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
  configKeys: {
    none: 'the envelope of encrypted UC Software files is not public',
    describe: () => 'no key (the envelope of encrypted UC Software files is not public)',
    fits: () => false,
    encrypts: (recognition) => ENCRYPTED.has(recognition.file),
  },
  capacity: (_vendor, model) => lineCapacity(model),
  nativeNames: () => ['poly'],
  takesCredentials: true,
};
