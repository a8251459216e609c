import type { Mac } from '../../model/mac.ts';
import type { PhoneIdentity, UserAgentFacts } from '../driver.ts';

// `FileTransport PolycomVVX-VVX_400-UA/4.1.4.7430 Type/Application`, `FileTransport
// PolyEdge-Edge_E450-UA/8.0.0.15602 Type/Application`, with "Tag SN to UA" on also
// `(SN:0004f2abcdef)` before the type. The version is the application's only on requests of
// the application (`Type/Application`); the updater reports its own.
const POLY =
  /^FileTransport\s+Poly(?:com)?([A-Za-z]{1,32})-([A-Za-z0-9_]{1,32})-UA\/(\d+(?:\.\d+){1,4})(?:\s+\(SN:([0-9A-Fa-f]{12})\))?(?:\s+Type\/([A-Za-z]+))?/;

export const DEFAULT_MODEL = 'VVX450';
export const DEFAULT_FIRMWARE = '6.4.6.2500';

/** The model as plugndial names it: the agent's model token without `_` (`VVX400`, `Trio8800`). */
export function modelOfToken(token: string): string {
  return token.replace(/_/g, '');
}

export function parseUserAgent(userAgent: string): UserAgentFacts | undefined {
  const match = POLY.exec(userAgent.trim().slice(0, 512));
  if (!match) return undefined;
  const facts: UserAgentFacts = { vendor: 'poly', model: modelOfToken(match[2]!) };
  if (match[5]?.toLowerCase() === 'application') facts.firmware = match[3]!;
  if (match[4]) facts.mac = match[4].toLowerCase() as Mac;
  return facts;
}

/** The agent of the emulated phone, for the application or the updater stage of its boot. */
export function formatUserAgent(
  identity: PhoneIdentity,
  stage: 'Application' | 'Updater' = 'Application',
): string {
  const model = identity.model ?? DEFAULT_MODEL;
  const [family, token] = agentModel(model);
  return `FileTransport ${family}-${token}-UA/${identity.firmware ?? DEFAULT_FIRMWARE} Type/${stage}`;
}

function agentModel(model: string): [string, string] {
  const vvx = /^VVX_?(\d+)$/i.exec(model);
  if (vvx) return ['PolycomVVX', `VVX_${vvx[1]}`];
  const trio = /^Trio_?(\d+)$/i.exec(model);
  if (trio) return ['PolycomRealPresenceTrio', `Trio_${trio[1]}`];
  const edge = /^(?:Edge_?)?E(\d+)$/i.exec(model);
  if (edge) return ['PolyEdge', `Edge_E${edge[1]}`];
  return ['PolycomVVX', model.replace(/[^A-Za-z0-9_]/g, '')];
}
