import {
  decodeText,
  type DhcpOption,
  type DhcpOptions,
  hasScheme,
  isCustomCode,
  isUrlText,
  OPTION,
  trimTrailingSlashes,
} from '../../formats/dhcp-options.ts';
import type {
  DhcpChoices,
  DhcpContext,
  DhcpDerivation,
  DhcpKnowledge,
  DhcpOffer,
} from '../driver.ts';
import { PREFIXES } from './pnp.ts';

// Yealink phones send `yealink` as option 60. What Flyingvoice phones send is not documented
// (uncertain: `plugndial dhcp --vendor-class flyingvoice=…` overrides it).
const VENDOR_CLASSES = { yealink: ['yealink'], flyingvoice: ['Flyingvoice'] } as const;

const macPrefixes: Record<string, string[]> = { yealink: [], flyingvoice: [] };
for (const [prefix, dialect] of Object.entries(PREFIXES)) macPrefixes[dialect]!.push(prefix);

/**
 * Seed 001's phone reads option 66, "a host or a full URL", and asks the TFTP server for
 * `<mac>`, `<mac>.boot`, `y000000000000.boot`, …; Yealink's manual orders the sources
 * custom option, then 66, then 43. Both dialects are given the directory on the door they
 * fetch from first: TFTP when it is on, as in the seed's capture, else HTTPS, else HTTP.
 */
export const yealinkDhcp: DhcpKnowledge = {
  vendorClasses: VENDOR_CLASSES,
  macPrefixes,
  requested: (_vendor, choices) => [
    ...customOf(choices),
    OPTION.tftpServerName,
    OPTION.vendorSpecific,
  ],
  offer,
  derive,
};

function offer(_vendor: string, { doors, ...choices }: DhcpContext): DhcpOffer | undefined {
  const door = doors.tftp ?? doors.https ?? doors.http;
  if (door === undefined) return undefined;
  const url = `${trimTrailingSlashes(door)}/`;
  // A bare host is what every phone reading a "TFTP server name" understands (and what
  // clients that check 66 as a host name let through); a port or a path needs the URL.
  const bare = /^tftp:\/\/([^/:[\]]+)\/$/i.exec(url)?.[1];
  const text = bare ?? url;
  const options: DhcpOption[] = [{ code: OPTION.tftpServerName, value: { kind: 'text', text } }];
  for (const code of customOf(choices)) options.push({ code, value: { kind: 'text', text: url } });
  return { url, options };
}

function derive(
  _vendor: string,
  options: DhcpOptions,
  choices: DhcpChoices,
): DhcpDerivation | undefined {
  for (const code of [...customOf(choices), OPTION.tftpServerName, OPTION.vendorSpecific]) {
    const data = options.get(code);
    if (!data) continue;
    const text = decodeText(data).trim();
    // Option 43 is a provisioning URL only as a plain URL; as sub-options it is someone else's.
    if (!isUrlText(text) || (code === OPTION.vendorSpecific && !hasScheme(text))) continue;
    const url = hasScheme(text) ? text : `tftp://${trimTrailingSlashes(text)}/`;
    return { url, from: [code], start: { baseUrl: url } };
  }
  return undefined;
}

function customOf(choices: DhcpChoices): number[] {
  return choices.customOption !== undefined && isCustomCode(choices.customOption)
    ? [choices.customOption]
    : [];
}
