import { readMac, type Mac } from '../../model/mac.ts';
import type { DeviceFileRequest, FileKind, Recognition } from '../driver.ts';
import { PROVISIONING, SETTINGS, UPDATES, isGigasetFile, type GigasetFile } from './files.ts';
import { modelByDvid } from './models.ts';
import { parseUserAgent } from './user-agent.ts';
import { uvcFromName } from './uvc.ts';

const EXACT = 100;
// `<url>` ending in `%MACD`, and the names any vendor might use, claim less than exact names.
const BARE_MAC = 90;
const GENERIC = 60;

interface Claim {
  file: GigasetFile;
  /** How many trailing segments the claim covers; the rest is the prefix. */
  length: number;
  score: number;
  mac?: Mac;
  uvc?: string;
}

/**
 * Claims the phone's requests: `<url>` (ending in a MAC), `<url>/provisioning.xml`,
 * `<url>/<MAC>.xml`, and the files this driver's own URLs name below `<prefix>/<mac>/`.
 * The MAC may be written bare or with colons (`%MACD`, `%MACC`), in any case.
 */
export function recognise(request: DeviceFileRequest): Recognition | undefined {
  const claim = claimPath(request.segments);
  if (!claim) return undefined;
  const agent = request.userAgent ? parseUserAgent(request.userAgent) : undefined;
  const query = new URLSearchParams(request.query.slice(0, 1024));
  const mac = claim.mac ?? macOf(query.get('mac')) ?? agent?.mac;
  const prefix = request.segments.slice(0, request.segments.length - claim.length);
  const dvid = query.get('dvid') ?? prefix.slice(-2).join('/');
  const model = modelByDvid(dvid)?.name ?? agent?.model;
  const recognition: Recognition = {
    file: claim.file,
    kind: kindOf(claim.file),
    score: claim.score,
    prefix,
    needsDevice: true,
  };
  if (mac) recognition.mac = mac;
  if (claim.uvc) recognition.params = { uvc: claim.uvc };
  if (model || agent?.firmware) {
    recognition.reported = {
      ...(model ? { model } : {}),
      ...(agent?.firmware ? { firmware: agent.firmware } : {}),
    };
  }
  return recognition;
}

function claimPath(segments: readonly string[]): Claim | undefined {
  const last = segments.at(-1);
  if (last === undefined) return undefined;
  const [third, second] = [segments.at(-3), segments.at(-2)];
  // <mac>/<category>/updates.xml and <mac>/nvm/settings[_<uvc>].xml
  const owner = macOf(third);
  if (owner && second !== undefined) {
    if (last.toLowerCase() === UPDATES) {
      const file = `${second.toLowerCase()}-updates`;
      if (isGigasetFile(file)) return { file, length: 3, score: EXACT, mac: owner };
    }
    if (second.toLowerCase() === 'nvm') {
      if (last.toLowerCase() === SETTINGS) {
        return { file: 'nvm-settings', length: 3, score: EXACT, mac: owner };
      }
      const versioned = /^settings_(.+)\.xml$/i.exec(last);
      const uvc = versioned ? uvcFromName(versioned[1]!) : undefined;
      if (uvc) return { file: 'nvm-settings', length: 3, score: EXACT, mac: owner, uvc };
    }
  }
  if (last.toLowerCase() === PROVISIONING) {
    const folder = macOf(second);
    return folder
      ? { file: 'provisioning', length: 2, score: EXACT, mac: folder }
      : { file: 'provisioning', length: 1, score: GENERIC };
  }
  const named = /^(.+)\.xml$/i.exec(last);
  const xmlMac = named ? macOf(named[1]) : undefined;
  if (xmlMac) return { file: 'provisioning', length: 1, score: GENERIC, mac: xmlMac };
  const bare = macOf(last);
  if (bare) return { file: 'provisioning', length: 1, score: BARE_MAC, mac: bare };
  return undefined;
}

/** A MAC written bare or with separators; anything else (`%MACD` unexpanded too) is none. */
function macOf(text: string | null | undefined): Mac | undefined {
  if (!text || text.length > 17) return undefined;
  return readMac(text);
}

function kindOf(file: GigasetFile): FileKind {
  return file === 'provisioning' || file.endsWith('-updates') ? 'manifest' : 'config';
}
