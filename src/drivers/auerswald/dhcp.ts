import {
  OPTION,
  decodeSuboptions,
  decodeText,
  hasScheme,
  joinUrl,
  type DhcpOptions,
} from '../../formats/dhcp-options.ts';
import type { DhcpContext, DhcpDerivation, DhcpKnowledge, DhcpOffer } from '../driver.ts';

const VENDOR = 'auerswald';

/** Seed 003: option 43 carries 66 and 67 as sub-options 0x42 and 0x43, each ending in a NUL. */
const SUB_SERVER = 0x42;
const SUB_FILE = 0x43;

/**
 * Seed 003: a D-series phone joins options 66 and 67, inserting a missing `/`, or reads the
 * same two from option 43's sub-options. plugndial gives the sub-options (only this family
 * reads them, so no other phone is misled). 00:09:52 is Auerswald's block (the seed's
 * example host); the vendor classes are uncertain (`--vendor-class auerswald=…`).
 */
export const AUERSWALD_PREFIXES: readonly string[] = ['000952'];

export const auerswaldDhcp: DhcpKnowledge = {
  vendorClasses: { [VENDOR]: ['Auerswald', 'COMfortel'] },
  macPrefixes: { [VENDOR]: AUERSWALD_PREFIXES },
  requested: () => [OPTION.tftpServerName, OPTION.bootFileName, OPTION.vendorSpecific],
  offer,
  derive,
};

function offer(_vendor: string, context: DhcpContext): DhcpOffer | undefined {
  const url = context.provisioningUrl;
  if (url === undefined) return undefined;
  // Server part (scheme and authority) in 0x42, the rest in 0x43, as in the seed's example.
  const split = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)\/?(.*)$/i.exec(url);
  const server = split?.[1] ?? url;
  const file = split?.[2] ?? '';
  return {
    url,
    options: [
      {
        code: OPTION.vendorSpecific,
        value: {
          kind: 'suboptions',
          nulTerminated: true,
          suboptions: [
            { code: SUB_SERVER, text: server },
            ...(file ? [{ code: SUB_FILE, text: file }] : []),
          ],
        },
      },
    ],
  };
}

function derive(_vendor: string, options: DhcpOptions): DhcpDerivation | undefined {
  const server = text(options.get(OPTION.tftpServerName));
  if (server) {
    const file = text(options.get(OPTION.bootFileName));
    const from = file ? [OPTION.tftpServerName, OPTION.bootFileName] : [OPTION.tftpServerName];
    return derivation(joinUrl(server, file), from);
  }
  const data = options.get(OPTION.vendorSpecific);
  if (!data) return undefined;
  const subs = decodeSuboptions(data);
  if (!subs.ok) return undefined;
  const sub = (code: number): string => text(subs.value.find((s) => s.code === code)?.data);
  if (!sub(SUB_SERVER)) return undefined;
  return derivation(joinUrl(sub(SUB_SERVER), sub(SUB_FILE)), [OPTION.vendorSpecific]);
}

/** The phone provisions over HTTP(S): a bare host is taken as `http://host`. */
function derivation(joined: string, from: number[]): DhcpDerivation {
  const url = hasScheme(joined) ? joined : `http://${joined}`;
  return { url, from, start: { baseUrl: url } };
}

function text(data: Buffer | undefined): string {
  return data ? decodeText(data).trim() : '';
}
