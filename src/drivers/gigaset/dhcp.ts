import {
  OPTION,
  decodeText,
  hasScheme,
  isUrlText,
  type DhcpOptions,
} from '../../formats/dhcp-options.ts';
import type { DhcpContext, DhcpDerivation, DhcpKnowledge, DhcpOffer } from '../driver.ts';
import { VENDOR } from './user-agent.ts';

/**
 * Seed 002: a Maxwell takes its provisioning URL from option 114 first (then SIP multicast,
 * the redirect server, the web UI) and fills `%MACD`, `%MACC` and `%DVID` itself. Option 60
 * starts with `Gigaset` (`Gigaset_N720_DM_PRO`); 7C:2F:80 is Gigaset Communications' block,
 * 00:01:E3 the Siemens block older Gigaset devices carry.
 */
export const GIGASET_PREFIXES: readonly string[] = ['7c2f80', '0001e3'];

export const gigasetDhcp: DhcpKnowledge = {
  vendorClasses: { [VENDOR]: ['Gigaset'] },
  macPrefixes: { [VENDOR]: GIGASET_PREFIXES },
  requested: () => [OPTION.defaultUrl],
  offer,
  derive,
};

function offer(_vendor: string, context: DhcpContext): DhcpOffer | undefined {
  const url = context.provisioningUrl;
  if (url === undefined) return undefined;
  return { url, options: [{ code: OPTION.defaultUrl, value: { kind: 'text', text: url } }] };
}

function derive(_vendor: string, options: DhcpOptions): DhcpDerivation | undefined {
  const data = options.get(OPTION.defaultUrl);
  const url = data ? decodeText(data).trim() : '';
  if (!hasScheme(url) || !isUrlText(url)) return undefined;
  return { url, from: [OPTION.defaultUrl], start: { baseUrl: url } };
}
