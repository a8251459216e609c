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
 * Snom wiki, Auto Provisioning: DHCP options 66 and 67 become `update_server` and
 * `update_filename`, the setting server URL. Snom phones send their phone type as option 60
 * (`snomD385`, `snomM900`), so `snom` is the prefix; 00:04:13 is Snom's block (the wiki's
 * phones, `000413A11FA7`). The URL names the directory: the phone asks for `snom<model>.htm`
 * and `snom<model>-<MAC>.htm` in it.
 */
export const SNOM_PREFIXES: readonly string[] = ['000413'];

export const snomDhcp: DhcpKnowledge = {
  vendorClasses: { snom: ['snom'] },
  macPrefixes: { snom: SNOM_PREFIXES },
  requested: () => [OPTION.tftpServerName, OPTION.bootFileName],
  offer,
  derive,
};

function offer(_vendor: string, { doors }: DhcpContext): DhcpOffer | undefined {
  // HTTP(S) first: the setting server is a web server; TFTP only when nothing else is on.
  const door = doors.https ?? doors.http ?? doors.tftp;
  if (door === undefined) return undefined;
  const url = `${trimTrailingSlashes(door)}/`;
  return { url, options: [{ code: OPTION.tftpServerName, value: { kind: 'text', text: url } }] };
}

/** A URL in 66 as it is; a bare host is a TFTP server, with 67's file name when given. */
function derive(_vendor: string, options: DhcpOptions): DhcpDerivation | undefined {
  const server = options.get(OPTION.tftpServerName);
  const text = server ? decodeText(server).trim() : '';
  if (!isUrlText(text)) return undefined;
  const fileData = options.get(OPTION.bootFileName);
  const file = fileData ? decodeText(fileData).trim().replace(/^\/+/, '') : '';
  const from = file ? [OPTION.tftpServerName, OPTION.bootFileName] : [OPTION.tftpServerName];
  const url = hasScheme(text) ? text : `tftp://${trimTrailingSlashes(text)}/${file}`;
  try {
    new URL(url);
  } catch {
    return undefined;
  }
  return { url, from, start: { baseUrl: url } };
}
