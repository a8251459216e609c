import { formatMac, parseMac } from '../../model/mac.ts';
import type { PhoneIdentity, UserAgentFacts } from '../driver.ts';
import { DEFAULT_MODEL, modelByName } from './models.ts';

export const VENDOR = 'gigaset';

// `Gigaset N870 IP PRO/83.V2.43.0+build.5f0a106;7C2F80XXXXXX;Handset=50`: Gigaset's own
// published form. That Maxwell phones send the same shape is an assumption.
// The vendor and its blanks are read apart from the rest: in one expression a long run of
// blanks after `Gigaset` backtracked over every split of it.
const PREFIX = /^gigaset\s+/i;
const AGENT = /^([^/;]+?)\s*\/\s*([^;\s]+)(?:;\s*([0-9a-f]{12}))?/i;

export const DEFAULT_FIRMWARE = '2.22.7';

export function parseUserAgent(userAgent: string): UserAgentFacts | undefined {
  const agent = userAgent.trim().slice(0, 512);
  const prefix = PREFIX.exec(agent);
  const match = prefix ? AGENT.exec(agent.slice(prefix[0].length)) : null;
  if (!match) return undefined;
  const facts: UserAgentFacts = { vendor: VENDOR, model: match[1]!, firmware: match[2]! };
  const mac = match[3] ? parseMac(match[3]) : undefined;
  if (mac?.ok) facts.mac = mac.value;
  return facts;
}

export function formatUserAgent(identity: PhoneIdentity): string {
  const model = modelByName(identity.model) ?? DEFAULT_MODEL;
  return `Gigaset ${model.name}/${identity.firmware ?? DEFAULT_FIRMWARE};${formatMac(identity.mac, 'BARE')}`;
}
