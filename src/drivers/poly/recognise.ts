import type { Mac } from '../../model/mac.ts';
import type { DeviceFileRequest, FileKind, Recognition } from '../driver.ts';
import { COMMON, type PolyFile } from './files.ts';
import { parseUserAgent } from './user-agent.ts';

const EXACT = 100;
// `000000000000.cfg` is also a MAC-shaped name to other drivers: Poly's reserved name wins.
const RESERVED = 105;

const NAMED =
  /^([0-9A-Fa-f]{12})(\.cfg|-settings\.cfg|-directory\.xml|-phone\.cfg|-web\.cfg|-calls\.xml|-app\.log|-boot\.log|-appFlash\.log|-bootFlash\.log)$/i;
// `sip.ld`, or a split image with its part number before it (`3111-44500-001.sip.ld`); the
// phone puts the part number before the name APP_FILE_PATH gives, even when that name has one.
const IMAGE = /^((?:\d{4}-\d{5}-\d{3}\.)*)([A-Za-z0-9_-]{0,64}\.?sip\.ld)$/i;

const FILES: Readonly<Record<string, { own: PolyFile; common?: PolyFile; kind: FileKind }>> = {
  '.cfg': { own: 'master', common: 'common-master', kind: 'boot' },
  '-settings.cfg': { own: 'settings', common: 'common-settings', kind: 'config' },
  '-directory.xml': { own: 'directory', common: 'common-directory', kind: 'phonebook' },
  '-phone.cfg': { own: 'override', kind: 'config' },
  '-web.cfg': { own: 'override', kind: 'config' },
  '-calls.xml': { own: 'upload', kind: 'resource' },
  '-app.log': { own: 'upload', kind: 'resource' },
  '-boot.log': { own: 'upload', kind: 'resource' },
  '-appflash.log': { own: 'upload', kind: 'resource' },
  '-bootflash.log': { own: 'upload', kind: 'resource' },
};

// What the phone writes: its overrides, its directory, call lists and logs.
const WRITABLE: ReadonlySet<PolyFile> = new Set(['directory', 'override', 'upload']);

/**
 * Claims the last path segment under any prefix. An upload (HTTP PUT) is claimed only for a
 * file the phone writes, and only with a real MAC in its name.
 */
export function recognise(request: DeviceFileRequest): Recognition | undefined {
  const last = request.segments.at(-1);
  if (last === undefined) return undefined;
  const agent = request.userAgent ? parseUserAgent(request.userAgent) : undefined;
  const base = (
    file: PolyFile,
    kind: FileKind,
    score: number,
    needsDevice: boolean,
  ): Recognition => {
    const recognition: Recognition = {
      file,
      kind,
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

  const named = NAMED.exec(last);
  if (named) {
    const owner = named[1]!.toLowerCase();
    const suffix = named[2]!.toLowerCase();
    const entry = FILES[suffix]!;
    if (owner === COMMON) {
      if (!entry.common || request.upload) return undefined;
      return base(entry.common, entry.kind, RESERVED, false);
    }
    if (request.upload && !WRITABLE.has(entry.own)) return undefined;
    const recognition = base(entry.own, entry.kind, EXACT, true);
    recognition.mac = owner as Mac;
    recognition.params = {
      name: `${owner}${suffix === '-appflash.log' ? '-appFlash.log' : suffix === '-bootflash.log' ? '-bootFlash.log' : suffix}`,
    };
    if (WRITABLE.has(entry.own)) recognition.writable = recognition.params['name']!;
    return recognition;
  }
  if (request.upload) return undefined;
  const image = IMAGE.exec(last);
  if (image) {
    const recognition = base('firmware', 'firmware', EXACT, false);
    recognition.params = { image: image[2]! };
    return recognition;
  }
  return undefined;
}
