import { findMac } from '../../model/mac.ts';
import type { PhoneIdentity, UserAgentFacts } from '../driver.ts';
import { DEFAULT_FIRMWARE, DEFAULT_MODEL } from './models.ts';

// `Grandstream Model HW GXP2130 SW 1.0.11.3 DevId 000b82123456`, with an optional hardware
// revision after the model (`GXV3350  V1.3A`); the old form `Grandstream GXP2000
// (gxp2000e.bin:1.2.5.3/boot55e.bin:1.1.6.9) DevId 000b822726c8`.
const MODERN = /^Grandstream Model HW (\S+)(?:\s+V\S+)?\s+SW (\S+)(?:\s+DevId (\S+))?/i;
const OLD = /^Grandstream (\S+) \([^:)]*:([\d.]+)[^)]*\)(?:\s+DevId (\S+))?/i;

export function parseUserAgent(userAgent: string): UserAgentFacts | undefined {
  const text = userAgent.trim().slice(0, 512);
  const match = MODERN.exec(text) ?? OLD.exec(text);
  if (!match) {
    return /^Grandstream\b/i.test(text) ? { vendor: 'grandstream' } : undefined;
  }
  const facts: UserAgentFacts = {
    vendor: 'grandstream',
    model: match[1]!.toUpperCase(),
    firmware: match[2]!,
  };
  const mac = match[3] ? findMac(match[3]) : undefined;
  if (mac) facts.mac = mac;
  return facts;
}

export function formatUserAgent(identity: PhoneIdentity): string {
  const model = (identity.model ?? DEFAULT_MODEL).toUpperCase();
  return `Grandstream Model HW ${model} SW ${identity.firmware ?? DEFAULT_FIRMWARE} DevId ${identity.mac}`;
}
