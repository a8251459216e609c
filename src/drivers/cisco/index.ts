import type { Driver } from '../driver.ts';
import { ciscoDhcp } from './dhcp.ts';
import { directoryName, profileName } from './files.ts';
import { literalUrl } from './mapping.ts';
import { MPP, SPA, ciscoModels, familyOf, lineCapacity } from './models.ts';
import { ciscoPhone } from './phone.ts';
import { checkSync } from './pnp.ts';
import { recognise } from './recognise.ts';
import { explainFile, renderFile } from './render.ts';
import { parseUserAgent } from './user-agent.ts';

/**
 * Cisco phones that read the `<flat-profile>` format: the multiplatform phones (`cisco`:
 * 68xx, 78xx, 88xx with 3PCC firmware) and the Small Business SPA phones and adapters
 * (`cisco-spa`). A bootstrap named by the factory Profile_Rule, then `$MA.xml`.
 */
export const ciscoDriver: Driver = {
  name: 'cisco',
  vendors: [MPP, SPA],
  defaultVendor: MPP,
  recognise,
  parseUserAgent,
  render: renderFile,
  explain: explainFile,
  files: (mac) => [profileName(mac), directoryName(mac)],
  phone: ciscoPhone,
  dhcp: ciscoDhcp,
  checkSync,
  configKeys: {
    describe: () =>
      'passphrase the phones hold as GPP_SA (from the bootstrap over HTTPS, or set on the phone)',
    fits: (_vendor, key) => key !== '',
    // The profile is sealed; the bootstrap names the key in its rule, so it is withheld too.
    encrypts: ({ file }) => file === 'profile' || file === 'bootstrap',
  },
  models: ciscoModels,
  capacity: (vendor, model) => lineCapacity(familyOf(vendor), model),
  // A rule's credentials and URLs carry `$` as `$$` (a `$` starts a macro).
  writtenForms: (value) => [literalUrl(value)],
  nativeNames: () => ['cisco'],
  takesCredentials: true,
};
