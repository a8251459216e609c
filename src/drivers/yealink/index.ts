import type { Driver } from '../driver.ts';
import { DEFAULT_VENDOR, VENDORS, dialectFor } from './dialect.ts';
import { yealinkDhcp } from './dhcp.ts';
import { yealinkKeys } from './encryption.ts';
import { deviceFiles } from './files.ts';
import { NATIVE_DRIVERS } from './mapping.ts';
import { keyCapacity } from './keys.ts';
import { modelInfo, yealinkModels } from './models.ts';
import { yealinkPhone } from './phone.ts';
import { checkSync, claimsPnp, plugAndPlayUrl } from './pnp.ts';
import { recognise } from './recognise.ts';
import { explainFile, firmwareImage, renderFile } from './render.ts';
import { parseUserAgent } from './user-agent.ts';

/** Yealink-style boot/cfg provisioning: Flyingvoice (seed 001) and Yealink itself. */
export const yealinkDriver: Driver = {
  name: 'yealink',
  vendors: VENDORS,
  defaultVendor: DEFAULT_VENDOR,
  recognise,
  parseUserAgent,
  render: renderFile,
  explain: explainFile,
  firmwareImage,
  files: deviceFiles,
  phone: yealinkPhone,
  dhcp: yealinkDhcp,
  claimsPnp,
  plugAndPlayUrl,
  checkSync,
  configKeys: yealinkKeys,
  models: yealinkModels,
  // A desk phone takes any number of accounts the operator gives; a DECT base its own.
  capacity: (vendor, model) => {
    const info = dialectFor(vendor) === 'yealink' ? modelInfo(model) : undefined;
    const keys = keyCapacity(info);
    return {
      ...(info?.dect ? { accounts: info.dect.accounts } : {}),
      ...(keys !== undefined ? { keys } : {}),
      known: info !== undefined,
    };
  },
  nativeNames: (vendor) => NATIVE_DRIVERS[dialectFor(vendor)],
  takesCredentials: true,
};
