import { findMac, type Mac } from '../../model/mac.ts';
import type { PhoneIdentity, UserAgentFacts } from '../driver.ts';
import { DEFAULT_FIRMWARE, DEFAULT_MODELS, SPA, familyOf, MPP } from './models.ts';

// MPP: `Cisco-CP-7832-3PCC/11.0.1 (00562b043615)`. SPA: `Cisco/SPA508G-7.4.4 (0002FDFF2103)(CBT141400UK)`,
// sometimes the serial alone (`Cisco/SPA525G-7.4.7 (CBT141900G7)`); Linksys-branded SPAs
// `Linksys/SPA-942-6.1.5(a) (88019FA42805)`.
const MPP_AGENT = /^Cisco-(CP-[0-9A-Z-]+?)\/(\S+)(?:\s+\(([0-9A-Fa-f]{12})\))?/;
const SPA_AGENT =
  /^(?:Cisco|Linksys)\/(SPA-?[0-9A-Z]+?)-([\d.]+(?:\([a-z0-9]+\))?)((?:\s*\([^)]*\))*)/i;

export function parseUserAgent(userAgent: string): UserAgentFacts | undefined {
  const text = userAgent.trim().slice(0, 512);
  const mpp = MPP_AGENT.exec(text);
  if (mpp) {
    const facts: UserAgentFacts = { vendor: MPP, model: mpp[1]!.toUpperCase(), firmware: mpp[2]! };
    const mac = mpp[3] ? (mpp[3].toLowerCase() as Mac) : undefined;
    if (mac) facts.mac = mac;
    return facts;
  }
  const spa = SPA_AGENT.exec(text);
  if (!spa) return undefined;
  const facts: UserAgentFacts = {
    vendor: SPA,
    model: spa[1]!.replace('-', '').toUpperCase(),
    firmware: spa[2]!,
  };
  // The first parenthesis that is a MAC; a serial number is not one.
  for (const part of spa[3]!.matchAll(/\(([^)]*)\)/g)) {
    if (/^[0-9a-f]{12}$/i.test(part[1]!)) {
      facts.mac = findMac(part[1]!)!;
      break;
    }
  }
  return facts;
}

export function formatUserAgent(identity: PhoneIdentity): string {
  const family = familyOf(identity.vendor);
  const model = identity.model ?? DEFAULT_MODELS[family];
  const firmware = identity.firmware ?? DEFAULT_FIRMWARE[family];
  return family === 'spa'
    ? `Cisco/${model.toUpperCase()}-${firmware} (${identity.mac.toUpperCase()})${identity.serial ? `(${identity.serial})` : ''}`
    : `Cisco-${model.toUpperCase()}/${firmware} (${identity.mac})`;
}
