import { findMac } from '../../model/mac.ts';
import type { PhoneIdentity, UserAgentFacts } from '../driver.ts';

// `Fanvil X4 2.10.2.6887 0c383e07e16c`: model, dotted firmware, MAC without separators.
const FANVIL = /^fanvil[\s/_-]+([^\s/]+)(?:[\s/]+(v?\d+(?:\.\d+)+))?(?:\s+(.*))?$/i;

export const DEFAULT_MODEL = 'X4';
export const DEFAULT_FIRMWARE = '2.10.2.6887';

export function parseUserAgent(userAgent: string): UserAgentFacts | undefined {
  const match = FANVIL.exec(userAgent.trim().slice(0, 512));
  if (!match) return undefined;
  const facts: UserAgentFacts = { vendor: 'fanvil', model: match[1]! };
  if (match[2]) facts.firmware = match[2];
  const mac = match[3] ? findMac(match[3]) : undefined;
  if (mac) facts.mac = mac;
  return facts;
}

export function formatUserAgent(identity: PhoneIdentity): string {
  return `Fanvil ${identity.model ?? DEFAULT_MODEL} ${identity.firmware ?? DEFAULT_FIRMWARE} ${identity.mac}`;
}
