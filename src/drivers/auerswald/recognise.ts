import { readMac, type Mac } from '../../model/mac.ts';
import type { DeviceFileRequest, Recognition } from '../driver.ts';
import { COMMON, OPERATIONS, SETTINGS, type AuerswaldFile } from './files.ts';
import { HARDWARE_TYPE, parseUserAgent } from './user-agent.ts';

const EXACT = 100;
// `<MACADR>.xml` is a name other vendors use too; a query naming the phone is weaker still.
const GENERIC = 60;
const QUERY = 30;

const SERIAL = /^[A-Za-z0-9-]{1,32}$/;

interface Claim {
  file: AuerswaldFile;
  length: number;
  score: number;
  mac?: Mac;
}

/**
 * Claims the files this driver's URLs name — `<MACADR>.xml` (the entry), the common file,
 * `<MACADR>/settings.xml` and `<MACADR>/operations.xml` — and any request whose query names
 * the phone by its markers (`?mac=<MACADR>&sn=<SERIAL>&hw=<HWTYP>`, as in seed 003). A path
 * segment like `D200` is the `<HWTYP>`.
 */
export function recognise(request: DeviceFileRequest): Recognition | undefined {
  const query = new URLSearchParams(request.query.slice(0, 1024));
  const queryMac = macOf(query.get('mac') ?? query.get('macadr'));
  const serial = first(query, ['sn', 'serial']);
  const claim = claimPath(request.segments) ?? claimQuery(queryMac, serial);
  if (!claim) return undefined;
  const prefix = request.segments.slice(0, request.segments.length - claim.length);
  const type =
    first(query, ['hw', 'type', 'hwtyp']) ?? prefix.findLast((s) => HARDWARE_TYPE.test(s));
  const agent = request.userAgent ? parseUserAgent(request.userAgent) : undefined;
  const model = type && HARDWARE_TYPE.test(type) ? type.toUpperCase() : agent?.model;
  const recognition: Recognition = {
    file: claim.file,
    kind: 'config',
    score: claim.score,
    prefix,
    needsDevice: claim.file !== 'common',
  };
  const mac = claim.mac ?? queryMac;
  if (mac) recognition.mac = mac;
  const reported = {
    ...(model ? { model } : {}),
    ...(agent?.firmware ? { firmware: agent.firmware } : {}),
    ...(serial && SERIAL.test(serial) ? { serial } : {}),
  };
  if (Object.keys(reported).length > 0) recognition.reported = reported;
  return recognition;
}

function claimPath(segments: readonly string[]): Claim | undefined {
  const last = segments.at(-1);
  if (last === undefined) return undefined;
  if (last.toLowerCase() === COMMON) return { file: 'common', length: 1, score: EXACT };
  const owner = macOf(segments.at(-2));
  if (owner && last.toLowerCase() === SETTINGS) {
    return { file: 'settings', length: 2, score: EXACT, mac: owner };
  }
  if (owner && last.toLowerCase() === OPERATIONS) {
    return { file: 'operations', length: 2, score: EXACT, mac: owner };
  }
  const named = /^(.+)\.xml$/i.exec(last);
  const mac = named ? macOf(named[1]) : undefined;
  return mac ? { file: 'entry', length: 1, score: GENERIC, mac } : undefined;
}

/** `prov.py?mac=<MACADR>`: whatever the name, the query says which phone asks. */
function claimQuery(mac: Mac | undefined, serial: string | undefined): Claim | undefined {
  if (!mac && !(serial && SERIAL.test(serial))) return undefined;
  return { file: 'entry', length: 1, score: QUERY, ...(mac ? { mac } : {}) };
}

function first(query: URLSearchParams, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = query.get(name);
    if (value) return value;
  }
  return undefined;
}

/** A MAC as the phone writes `<MACADR>`, or with separators; an unreplaced marker is none. */
function macOf(text: string | null | undefined): Mac | undefined {
  if (!text || text.length > 17) return undefined;
  return readMac(text);
}
