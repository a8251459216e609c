import type { Driver } from '../driver.ts';
import { fanvilDhcp } from './dhcp.ts';
import { fanvilKeys } from './encryption.ts';
import { macFileName } from './files.ts';
import { fanvilModels } from './models.ts';
import { fanvilPhone } from './phone.ts';
import { checkSync, claimsPnp, plugAndPlayUrl } from './pnp.ts';
import { recognise } from './recognise.ts';
import { explainFile, renderFile } from './render.ts';
import { fanvilTr069 } from './tr069.ts';
import { parseUserAgent } from './user-agent.ts';

/** Fanvil auto provision (seed 004): general, MAC and user-named files, text or XML. */
export const fanvilDriver: Driver = {
  name: 'fanvil',
  vendors: ['fanvil'],
  defaultVendor: 'fanvil',
  recognise,
  parseUserAgent,
  render: renderFile,
  explain: explainFile,
  files: (mac) => [macFileName(mac)],
  phone: fanvilPhone,
  dhcp: fanvilDhcp,
  tr069: fanvilTr069,
  claimsPnp,
  plugAndPlayUrl,
  checkSync,
  configKeys: fanvilKeys,
  models: fanvilModels,
  nativeNames: () => ['fanvil'],
  takesCredentials: true,
};
