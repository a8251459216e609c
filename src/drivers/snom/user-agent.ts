import type { Mac } from '../../model/mac.ts';
import type { PhoneIdentity, UserAgentFacts } from '../driver.ts';
import { upperMac } from './files.ts';

// `Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)`:
// `snom<model>-SIP`, the firmware, then build tokens (some with a parenthesised date), and
// on firmware 8.7.5 and later the MAC as 12 upper-case hex digits.
const SNOM = /\bsnom([A-Za-z0-9]{1,12})-SIP\s+(\d+(?:\.\d+){1,4})((?:\s+\S+){0,12})/;
const MAC_TOKEN = /(?:^|\s)([0-9A-F]{12})(?=\s|\)|$)/;

export const DEFAULT_MODEL = 'D385';
export const DEFAULT_FIRMWARE = '10.1.184.15';
// The build token of the documented D785 agent; the emulation writes one like it.
const BUILD = '2010.12-00004-g9ba52f5';

export function parseUserAgent(userAgent: string): UserAgentFacts | undefined {
  const match = SNOM.exec(userAgent.slice(0, 512));
  if (!match) return undefined;
  const facts: UserAgentFacts = { vendor: 'snom', model: match[1]!, firmware: match[2]! };
  const mac = MAC_TOKEN.exec(match[3] ?? '')?.[1];
  if (mac) facts.mac = mac.toLowerCase() as Mac;
  return facts;
}

export function formatUserAgent(identity: PhoneIdentity): string {
  const model = identity.model ?? DEFAULT_MODEL;
  const firmware = identity.firmware ?? DEFAULT_FIRMWARE;
  return `Mozilla/4.0 (compatible; snom${model}-SIP ${firmware} ${BUILD} ${upperMac(identity.mac)} SXM:0 UXM:0)`;
}
