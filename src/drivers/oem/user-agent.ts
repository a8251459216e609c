import { findMac } from '../../model/mac.ts';
import type { PhoneIdentity, UserAgentFacts } from '../driver.ts';

/**
 * Seed 000 does not say what agent a Plug-n-Dial device sends. plugndial's phone emulation
 * sends `Plug-n-Dial <Make>/<Model> <firmware> <mac>`, and that is what is read back.
 */
const AGENT =
  /^plug-?n-?dial[\s/]+([A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)?)(?:\s+([A-Za-z0-9._-]+))?(?:\s+(.*))?$/i;

export const DEFAULT_CLASS = 'leadtek/LR8051S';
export const DEFAULT_FIRMWARE = '1.0';

export function parseUserAgent(userAgent: string): UserAgentFacts | undefined {
  const match = AGENT.exec(userAgent.trim().slice(0, 512));
  if (!match) return undefined;
  const facts: UserAgentFacts = { vendor: 'oem', model: match[1]! };
  if (match[2]) facts.firmware = match[2];
  const mac = match[3] ? findMac(match[3]) : undefined;
  if (mac) facts.mac = mac;
  return facts;
}

export function formatUserAgent(identity: PhoneIdentity): string {
  return `Plug-n-Dial ${identity.model ?? DEFAULT_CLASS} ${identity.firmware ?? DEFAULT_FIRMWARE} ${identity.mac}`;
}
