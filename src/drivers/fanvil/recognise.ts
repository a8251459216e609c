import type { Mac } from '../../model/mac.ts';
import type { DeviceFileRequest, Recognition } from '../driver.ts';
import { COMMON_PHONEBOOK, PHONEBOOK_SUFFIX, type FanvilFile } from './files.ts';
import { modelOfGeneralFile } from './models.ts';
import { parseUserAgent } from './user-agent.ts';

const EXACT = 100;
// Any `name.cfg|txt|xml` may be a user-named file; every exact claim of another driver wins.
const NAMED = 10;

const MAC_FILE = /^([0-9a-f]{12})\.(cfg|txt|xml)$/i;
const PHONEBOOK = new RegExp(
  `^([A-Za-z0-9][A-Za-z0-9._-]{0,63})${PHONEBOOK_SUFFIX}\\.(xml|vcf|csv)$`,
  'i',
);
const NAMED_FILE = /^([A-Za-z0-9][A-Za-z0-9._-]{0,63})\.(cfg|txt|xml)$/i;

/**
 * Claims the last path segment: a general file of seed 004's tables, `<mac>.cfg|txt|xml`,
 * a phonebook `<owner>-contacts.xml|vcf|csv`, or any other `name.cfg|txt|xml` as a file the
 * operator named. `$input` URLs (`input.cfg?input=ll.cfg`) carry the name in the query.
 */
export function recognise(request: DeviceFileRequest): Recognition | undefined {
  const last = request.segments.at(-1);
  if (last === undefined) return undefined;
  const name = inputName(last, request.query) ?? last;
  const base = (file: FanvilFile, score: number, needsDevice: boolean): Recognition => {
    // Read only once a name is claimed: most requests are another driver's file.
    const agent = request.userAgent ? parseUserAgent(request.userAgent) : undefined;
    const recognition: Recognition = {
      file,
      kind: file === 'phonebook' ? 'phonebook' : 'config',
      score,
      prefix: request.segments.slice(0, -1),
      needsDevice,
    };
    if (agent?.mac) recognition.mac = agent.mac;
    if (agent?.model || agent?.firmware) {
      recognition.reported = {
        ...(agent.model ? { model: agent.model } : {}),
        ...(agent.firmware ? { firmware: agent.firmware } : {}),
      };
    }
    return recognition;
  };

  const model = modelOfGeneralFile(name);
  if (model !== undefined) {
    const recognition = base('general', EXACT, false);
    // The file name says which model asks, whatever the agent claims.
    recognition.reported = { ...recognition.reported, model };
    recognition.params = { model };
    return recognition;
  }
  const mac = MAC_FILE.exec(name);
  if (mac) {
    const recognition = base('mac', EXACT, true);
    recognition.mac = mac[1]!.toLowerCase() as Mac;
    recognition.params = { extension: mac[2]!.toLowerCase() };
    return recognition;
  }
  const phonebook = PHONEBOOK.exec(name);
  if (phonebook) {
    const owner = phonebook[1]!;
    const form = phonebook[2]!.toLowerCase();
    if (/^[0-9a-f]{12}$/i.test(owner)) {
      const recognition = base('phonebook', EXACT, true);
      recognition.mac = owner.toLowerCase() as Mac;
      recognition.params = { form };
      return recognition;
    }
    const recognition = base('phonebook', EXACT, false);
    recognition.params = { form };
    if (owner.toLowerCase() !== COMMON_PHONEBOOK) recognition.configName = owner.toLowerCase();
    return recognition;
  }
  const named = NAMED_FILE.exec(name);
  if (named) {
    const recognition = base('named', NAMED, false);
    recognition.configName = named[1]!.toLowerCase();
    recognition.params = { extension: named[2]!.toLowerCase() };
    return recognition;
  }
  return undefined;
}

/** `input.cfg?input=ll.cfg` and `mac.cfg?mac=…` (seed 004 §4.3): the query names the file. */
function inputName(last: string, query: string): string | undefined {
  if (!/^(input|mac)\.(cfg|txt|xml)$/i.test(last) || query === '') return undefined;
  const key = last.slice(0, last.indexOf('.')).toLowerCase();
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).toLowerCase() !== key) continue;
    let value: string;
    try {
      value = decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      return undefined;
    }
    return /^[A-Za-z0-9._-]{1,68}$/.test(value) ? value : undefined;
  }
  return undefined;
}
