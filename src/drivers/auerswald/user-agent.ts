import type { PhoneIdentity, UserAgentFacts } from '../driver.ts';

export const VENDOR = 'auerswald';

/** The `<HWTYP>` of the D-series: D100, D200, D400, D600 and their successors (D210, …). */
export const HARDWARE_TYPE = /^D\d{3}[A-Z]?$/i;

export const DEFAULT_TYPE = 'D200';
export const DEFAULT_FIRMWARE = '2.8A';

// Auerswald does not publish its agent; this is the shape the emulation sends, and what
// `COMfortel D200 2.8A`-like agents say is read the same way.
const AGENT = /^auerswald\s+(?:comfortel\s+)?(D\d{3}[A-Z]?)(?:[\s/]+(\S{1,32}))?/i;

export function parseUserAgent(userAgent: string): UserAgentFacts | undefined {
  const match = AGENT.exec(userAgent.trim().slice(0, 512));
  if (!match) return undefined;
  return {
    vendor: VENDOR,
    model: match[1]!.toUpperCase(),
    ...(match[2] ? { firmware: match[2] } : {}),
  };
}

export function formatUserAgent(identity: PhoneIdentity): string {
  return `Auerswald COMfortel ${hardwareType(identity)} ${identity.firmware ?? DEFAULT_FIRMWARE}`;
}

export function hardwareType(identity: PhoneIdentity): string {
  return identity.model && HARDWARE_TYPE.test(identity.model)
    ? identity.model.toUpperCase()
    : DEFAULT_TYPE;
}
