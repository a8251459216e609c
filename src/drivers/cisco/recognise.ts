import type { Mac } from '../../model/mac.ts';
import type { DeviceFileRequest, Recognition } from '../driver.ts';
import { COMMON_DIRECTORY, DIRECTORY_SUFFIX, type CiscoFile } from './files.ts';
import { modelOfPsn, type CiscoFamily } from './models.ts';
import { parseUserAgent } from './user-agent.ts';

const EXACT = 100;
// A bare number (`7861.xml`) or `V03.xml` is this family's only by the factory rule's form.
const PLAUSIBLE = 50;

const SPA_BOOTSTRAP = /^spa(\d{3,4}[a-z0-9]{0,3})\.cfg$/i;
const MPP_BOOTSTRAP = /^((?:CP-)?\d{4}-3PCC)\.xml$/i;
const MPP_BARE = /^(\d{4}|V\d{2})\.xml$/i;
const PROFILE = /^(spa)?([0-9a-f]{12})\.(xml|cfg)$/i;
const DIRECTORY = new RegExp(`^([0-9a-f]{12})${DIRECTORY_SUFFIX.replace('.', '\\.')}$`, 'i');

/**
 * Claims the last path segment under any prefix, over every door (a Profile_Rule without a
 * scheme is TFTP to the DHCP server; with one, TFTP, HTTP or HTTPS): the bootstrap
 * `spa$PSN.cfg` (SPA) or `$PSN.xml` (MPP), the profile `$MA.xml` (also `spa$MA.cfg`,
 * `spa$MA.xml`, `$MA.cfg`; `$MAU` upper case is read alike), and the XML directory.
 */
export function recognise(request: DeviceFileRequest): Recognition | undefined {
  const last = request.segments.at(-1);
  if (last === undefined) return undefined;
  const claim = (
    file: CiscoFile,
    score: number,
    options: { mac?: string; family?: CiscoFamily; psn?: string } = {},
  ): Recognition => {
    // Read only once a name is claimed: most requests are another driver's file.
    const agent = request.userAgent ? parseUserAgent(request.userAgent) : undefined;
    const recognition: Recognition = {
      file,
      kind: file.endsWith('directory') ? 'phonebook' : 'config',
      score,
      prefix: request.segments.slice(0, -1),
      needsDevice: options.mac !== undefined,
    };
    const mac = (options.mac?.toLowerCase() as Mac | undefined) ?? agent?.mac;
    if (mac) recognition.mac = mac;
    const model =
      options.psn && options.family ? modelOfPsn(options.psn, options.family) : agent?.model;
    if (model || agent?.firmware)
      recognition.reported = {
        ...(model ? { model } : {}),
        ...(agent?.firmware ? { firmware: agent.firmware } : {}),
      };
    if (options.family) recognition.params = { family: options.family, psn: options.psn ?? '' };
    return recognition;
  };

  const spa = SPA_BOOTSTRAP.exec(last);
  if (spa) return claim('bootstrap', EXACT, { family: 'spa', psn: spa[1]! });
  const mpp = MPP_BOOTSTRAP.exec(last);
  if (mpp) return claim('bootstrap', EXACT, { family: 'mpp', psn: mpp[1]!.replace(/^CP-/i, '') });
  const profile = PROFILE.exec(last);
  if (profile) {
    const recognition = claim('profile', EXACT, { mac: profile[2]! });
    recognition.params = { form: `${profile[1] ? 'spa' : ''}${profile[3]!.toLowerCase()}` };
    return recognition;
  }
  const directory = DIRECTORY.exec(last);
  if (directory) return claim('mac-directory', EXACT, { mac: directory[1]! });
  if (last.toLowerCase() === COMMON_DIRECTORY) return claim('common-directory', PLAUSIBLE);
  const bare = MPP_BARE.exec(last);
  if (bare) return claim('bootstrap', PLAUSIBLE, { family: 'mpp', psn: bare[1]! });
  return undefined;
}
