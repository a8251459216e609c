import type { Mac } from '../../model/mac.ts';
import type { DeviceFileRequest, FileKind, Recognition } from '../driver.ts';
import { isDeviceFile, type YealinkFile } from './files.ts';
import { parseUserAgent } from './user-agent.ts';

const EXACT = 100;

interface Pattern {
  regex: RegExp;
  file: YealinkFile;
  kind: FileKind;
}

// Phones on Windows TFTP servers and operators typing MACs mix cases: match names without case.
const PATTERNS: readonly Pattern[] = [
  { regex: /^([0-9a-f]{12})$/i, file: 'mac-bare', kind: 'boot' },
  { regex: /^([0-9a-f]{12})\.boot$/i, file: 'mac-boot', kind: 'boot' },
  { regex: /^([0-9a-f]{12})\.cfg$/i, file: 'mac-cfg', kind: 'config' },
  { regex: /^y000000000000\.boot$/i, file: 'common-boot', kind: 'boot' },
  { regex: /^y000000000000\.cfg$/i, file: 'common-cfg', kind: 'config' },
  { regex: /^y0000000000([0-9a-f]{2})\.cfg$/i, file: 'model-cfg', kind: 'config' },
  { regex: /^([0-9a-f]{12})-contacts\.xml$/i, file: 'mac-phonebook', kind: 'phonebook' },
  { regex: /^y000000000000-contacts\.xml$/i, file: 'common-phonebook', kind: 'phonebook' },
  { regex: /^([0-9a-f]{12})_security\.enc$/i, file: 'mac-security', kind: 'resource' },
  { regex: /^y000000000000_security\.enc$/i, file: 'common-security', kind: 'resource' },
  { regex: /^y0000000000([0-9a-f]{2})_security\.enc$/i, file: 'model-security', kind: 'resource' },
];

/** Claims the last path segment when it is one of the boot or cfg names; the rest is the prefix. */
export function recognise(request: DeviceFileRequest): Recognition | undefined {
  const name = request.segments.at(-1);
  if (name === undefined) return undefined;
  for (const pattern of PATTERNS) {
    const match = pattern.regex.exec(name);
    if (!match) continue;
    return claim(pattern, match, request);
  }
  return undefined;
}

function claim(pattern: Pattern, match: RegExpExecArray, request: DeviceFileRequest): Recognition {
  const device = isDeviceFile(pattern.file);
  const agent = request.userAgent ? parseUserAgent(request.userAgent) : undefined;
  const recognition: Recognition = {
    file: pattern.file,
    kind: pattern.kind,
    score: EXACT,
    prefix: request.segments.slice(0, -1),
    needsDevice: device,
  };
  const mac = device ? (match[1]!.toLowerCase() as Mac) : agent?.mac;
  if (mac) recognition.mac = mac;
  if (pattern.file === 'model-cfg' || pattern.file === 'model-security')
    recognition.params = { model: match[1]!.toLowerCase() };
  if (agent?.model || agent?.firmware) {
    recognition.reported = {
      ...(agent.model ? { model: agent.model } : {}),
      ...(agent.firmware ? { firmware: agent.firmware } : {}),
    };
  }
  return recognition;
}
