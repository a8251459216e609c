import type { Mac } from '../../model/mac.ts';
import type { DeviceFileRequest, FileKind, Recognition } from '../driver.ts';
import { isDeviceFile, isUploadFile, uploadName, type YealinkFile } from './files.ts';
import { modelsOfCode } from './models.ts';
import { parseUserAgent } from './user-agent.ts';

const EXACT = 100;
// A firmware image name is anyone's guess until the catalogue says it is this phone's.
const IMAGE = 40;

interface Pattern {
  regex: RegExp;
  file: YealinkFile;
  kind: FileKind;
  score?: number;
}

// Phones on Windows TFTP servers and operators typing MACs mix cases: match names without case.
const PATTERNS: readonly Pattern[] = [
  { regex: /^([0-9a-f]{12})$/i, file: 'mac-bare', kind: 'boot' },
  { regex: /^([0-9a-f]{12})\.boot$/i, file: 'mac-boot', kind: 'boot' },
  { regex: /^([0-9a-f]{12})\.cfg$/i, file: 'mac-cfg', kind: 'config' },
  { regex: /^y000000000000\.boot$/i, file: 'common-boot', kind: 'boot' },
  { regex: /^y000000000000\.cfg$/i, file: 'common-cfg', kind: 'config' },
  { regex: /^y([0-9a-f]{12})\.cfg$/i, file: 'model-cfg', kind: 'config' },
  { regex: /^([0-9a-f]{12})-contacts\.xml$/i, file: 'mac-phonebook', kind: 'phonebook' },
  { regex: /^y000000000000-contacts\.xml$/i, file: 'common-phonebook', kind: 'phonebook' },
  { regex: /^([0-9a-f]{12})_security\.enc$/i, file: 'mac-security', kind: 'resource' },
  { regex: /^y000000000000_security\.enc$/i, file: 'common-security', kind: 'resource' },
  { regex: /^y([0-9a-f]{12})_security\.enc$/i, file: 'model-security', kind: 'resource' },
  { regex: /^([0-9a-f]{12})-local\.cfg$/i, file: 'mac-local', kind: 'config' },
  { regex: /^([0-9a-f]{12})-contact\.xml$/i, file: 'mac-contact', kind: 'phonebook' },
  { regex: /^([0-9a-f]{12})-calllog\.xml$/i, file: 'mac-calllog', kind: 'resource' },
  { regex: /^([^/]{1,200}\.rom)$/i, file: 'firmware-image', kind: 'firmware', score: IMAGE },
];

/**
 * Claims the last path segment when it is one of the phone's names; the rest is the prefix.
 * An upload (HTTP PUT) is claimed only for the files the phone writes.
 */
export function recognise(request: DeviceFileRequest): Recognition | undefined {
  const name = request.segments.at(-1);
  if (name === undefined) return undefined;
  for (const pattern of PATTERNS) {
    const match = pattern.regex.exec(name);
    if (!match) continue;
    if (request.upload && !isUploadFile(pattern.file)) return undefined;
    return claim(pattern, match, request);
  }
  return undefined;
}

function claim(pattern: Pattern, match: RegExpExecArray, request: DeviceFileRequest): Recognition {
  const file = pattern.file;
  const device = isDeviceFile(file);
  const agent = request.userAgent ? parseUserAgent(request.userAgent) : undefined;
  const recognition: Recognition = {
    file,
    kind: pattern.kind,
    score: pattern.score ?? EXACT,
    prefix: request.segments.slice(0, -1),
    needsDevice: device,
  };
  const mac = device ? (match[1]!.toLowerCase() as Mac) : agent?.mac;
  if (mac) recognition.mac = mac;
  if (isUploadFile(file)) recognition.writable = uploadName(file, mac!);
  const reported: NonNullable<Recognition['reported']> = {};
  if (file === 'model-cfg' || file === 'model-security') {
    const code = match[1]!.toLowerCase().replace(/^0+/, '');
    recognition.params = { code };
    // Over TFTP the number is all the phone says; where it names one model, that is the model.
    const models = /^\d+$/.test(code) ? modelsOfCode(Number(code)) : [];
    if (models.length === 1 && !agent?.model) reported.model = models[0]!.model;
    // The numbers are Yealink's models; seed 001's Flyingvoice phones ask for none of them.
    if (models.length > 0) recognition.vendor = 'yealink';
  }
  if (file === 'firmware-image') recognition.params = { name: match[1]! };
  if (agent?.model) reported.model = agent.model;
  if (agent?.firmware) reported.firmware = agent.firmware;
  if (reported.model || reported.firmware) recognition.reported = reported;
  return recognition;
}
