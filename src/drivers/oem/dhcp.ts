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
 * Seed 000 says nothing of DHCP; a Plug-n-Dial device is taken to read the server from
 * option 66 (a URL, or a host for HTTP), the one option every SIP device knows. No vendor
 * class or MAC block is known: the operator names them (`--vendor-class oem=…`).
 */
export const oemDhcp: DhcpKnowledge = {
  vendorClasses: { oem: [] },
  macPrefixes: { oem: [] },
  requested: () => [OPTION.tftpServerName],
  offer,
  derive,
};

function offer(_vendor: string, { doors }: DhcpContext): DhcpOffer | undefined {
  const door = doors.https ?? doors.http;
  if (door === undefined) return undefined;
  const url = `${trimTrailingSlashes(door)}/`;
  // A host alone means HTTP on port 80 (see derive), and passes clients that check 66 as a host.
  const text = /^http:\/\/([^/:[\]]+)\/$/i.exec(url)?.[1] ?? url;
  return { url, options: [{ code: OPTION.tftpServerName, value: { kind: 'text', text } }] };
}

function derive(_vendor: string, options: DhcpOptions): DhcpDerivation | undefined {
  const data = options.get(OPTION.tftpServerName);
  const text = data ? decodeText(data).trim() : '';
  if (!isUrlText(text)) return undefined;
  const url = hasScheme(text) ? text : `http://${trimTrailingSlashes(text)}/`;
  return { url, from: [OPTION.tftpServerName], start: { baseUrl: url } };
}
