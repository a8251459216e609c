import {
  decodeText,
  type DhcpOptions,
  hasScheme,
  isUrlText,
  OPTION,
  trimTrailingSlashes,
} from '../../formats/dhcp-options.ts';
import type { DhcpContext, DhcpDerivation, DhcpKnowledge, DhcpOffer } from '../driver.ts';

/**
 * Grandstream's MAC blocks (00:0B:82, C0:74:AD, EC:74:D7; the ones public provisioning
 * servers match on). What the phones send as option 60 is not documented: `Grandstream`
 * is *uncertain* (`plugndial dhcp --vendor-class grandstream=…` replaces it).
 */
export const GRANDSTREAM_PREFIXES: readonly string[] = ['000b82', 'c074ad', 'ec74d7'];

/**
 * The phone takes option 66 as its Config Server Path when "Allow DHCP Option 43 and Option
 * 66 to Override Server" is on (the default): a host, or a full URL whose scheme sets the
 * protocol (SIP Device Provisioning Guide, page 7). plugndial gives HTTPS, else HTTP, else
 * TFTP: a bare host for HTTP on port 80 (the templates' default "Config Upgrade Via" is HTTP;
 * *uncertain* for firmware whose default is HTTPS), else the full URL.
 */
export const grandstreamDhcp: DhcpKnowledge = {
  vendorClasses: { grandstream: ['Grandstream'] },
  macPrefixes: { grandstream: GRANDSTREAM_PREFIXES },
  requested: () => [OPTION.tftpServerName, OPTION.vendorSpecific],
  offer,
  derive,
};

function offer(_vendor: string, { doors }: DhcpContext): DhcpOffer | undefined {
  const door = doors.https ?? doors.http ?? doors.tftp;
  if (door === undefined) return undefined;
  const url = `${trimTrailingSlashes(door)}/`;
  // HTTP on its own port says nothing a bare host does not (the phones' default protocol
  // is HTTP); DHCP clients that check 66 as a host name let it through.
  const bare = /^http:\/\/([^/:[\]]+)\/$/i.exec(url)?.[1];
  return {
    url,
    options: [{ code: OPTION.tftpServerName, value: { kind: 'text', text: bare ?? url } }],
  };
}

function derive(_vendor: string, options: DhcpOptions): DhcpDerivation | undefined {
  const data = options.get(OPTION.tftpServerName);
  const text = data ? decodeText(data).trim() : '';
  if (!isUrlText(text)) return undefined;
  // A bare host: the phone's default protocol, HTTP.
  const url = hasScheme(text) ? text : `http://${trimTrailingSlashes(text)}/`;
  return { url, from: [OPTION.tftpServerName], start: { baseUrl: url } };
}
