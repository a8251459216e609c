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

/**
 * A UC Software phone takes its boot server from DHCP (SIP 3.1 Administrator's Guide, boot
 * server modes: option 66 by default, or a custom option 128–254 such as the customary 160,
 * or both); a URL with a scheme chooses the protocol, a bare host is the server of the
 * phone's own server type (FTP from the factory). The URL names the directory so the phone
 * asks for its own `<mac>.cfg` first: a file name in it would be the master for every phone.
 * Poly sends option 60 in RFC 3925 form (enterprise 13885, binary), which no text prefix
 * matches: phones are told apart by their blocks 00:04:F2, 64:16:7F, 48:25:67.
 */
export const POLY_PREFIXES: readonly string[] = ['0004f2', '64167f', '482567'];

export const polyDhcp: DhcpKnowledge = {
  vendorClasses: { poly: [] },
  macPrefixes: { poly: POLY_PREFIXES },
  requested: (_vendor, choices) => sources(choices),
  offer,
  derive,
};

function offer(_vendor: string, { doors, ...choices }: DhcpContext): DhcpOffer | undefined {
  // FTP last: the phone's factory server type, but the other doors are what sites already use.
  const door = doors.https ?? doors.http ?? doors.tftp ?? doors.ftp;
  if (door === undefined) return undefined;
  const url = `${trimTrailingSlashes(door)}/`;
  const options: DhcpOption[] = sources(choices).map((code) => ({
    code,
    value: { kind: 'text', text: url },
  }));
  return { url, options };
}

function derive(
  _vendor: string,
  options: DhcpOptions,
  choices: DhcpChoices,
): DhcpDerivation | undefined {
  for (const code of sources(choices)) {
    const data = options.get(code);
    const text = data ? decodeText(data).trim() : '';
    if (!isUrlText(text)) continue;
    const url = hasScheme(text) ? text : `ftp://${trimTrailingSlashes(text)}/`;
    try {
      new URL(url);
    } catch {
      continue;
    }
    return { url, from: [code], start: { baseUrl: url } };
  }
  return undefined;
}

/** The custom option first (160 unless the site chose another), then 66. */
function sources(choices: DhcpChoices): number[] {
  const custom =
    choices.customOption !== undefined && isCustomCode(choices.customOption)
      ? choices.customOption
      : OPTION.polycomUrl;
  return [custom, OPTION.tftpServerName];
}
