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
 * Seed 004: a Fanvil phone reads one of option 66, option 43 (a plain URL string) or a custom
 * option from 128 to 254, as its "DHCP Option" setting says, and expands `$mac` and `$input`
 * in the URL; it fetches its model's general file from the URL's directory, then the named
 * file. Every one of those options gets the same URL, so any setting finds it. The vendor
 * class `Fanvil` is uncertain; 0C:38:3E and 00:A8:59 are Fanvil's blocks, 00:03:07 the seed's
 * capture's phone.
 */
export const FANVIL_PREFIXES: readonly string[] = ['0c383e', '00a859', '000307'];

export const fanvilDhcp: DhcpKnowledge = {
  vendorClasses: { fanvil: ['Fanvil'] },
  macPrefixes: { fanvil: FANVIL_PREFIXES },
  requested: (_vendor, choices) => sources(choices),
  offer,
  derive,
};

/** The phone's own file, named by its MAC: `$mac` is the phone's marker for it. */
const OWN_FILE = '$mac.cfg';

function offer(_vendor: string, { doors, ...choices }: DhcpContext): DhcpOffer | undefined {
  // TFTP first, as in the seed's capture of a phone given option 66.
  const door = doors.tftp ?? doors.https ?? doors.http;
  if (door === undefined) return undefined;
  const url = `${trimTrailingSlashes(door)}/${OWN_FILE}`;
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
    // Option 43 counts only as a plain URL string; sub-options are another vendor's.
    if (!isUrlText(text) || (code === OPTION.vendorSpecific && !hasScheme(text))) continue;
    const url = hasScheme(text) ? text : `tftp://${trimTrailingSlashes(text)}/`;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      continue;
    }
    const slash = parsed.pathname.lastIndexOf('/');
    const name = fileName(parsed.pathname.slice(slash + 1));
    // `origin` is "null" for tftp: URLs; the phone keeps scheme, host and port as given.
    const baseUrl = `${parsed.protocol}//${parsed.host}${parsed.pathname.slice(0, slash + 1)}`;
    // `$mac` is the phone's own file; `$input` is typed at the phone; any other name is fixed.
    const input = name === '' || /\$mac|\$input/i.test(name) ? undefined : name;
    return { url, from: [code], start: { baseUrl, ...(input ? { input } : {}) } };
  }
  return undefined;
}

/** The file name as the phone asks for it; a `%` that decodes to no UTF-8 stays as written. */
function fileName(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

/** The order the emulated phone reads them in: the custom option, then 66, then 43. */
function sources(choices: DhcpChoices): number[] {
  const custom =
    choices.customOption !== undefined && isCustomCode(choices.customOption)
      ? [choices.customOption]
      : [];
  return [...custom, OPTION.tftpServerName, OPTION.vendorSpecific];
}
