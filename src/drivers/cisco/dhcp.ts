import {
  decodeAddresses,
  decodeText,
  type DhcpOption,
  type DhcpOptions,
  hasScheme,
  isUrlText,
  OPTION,
  trimTrailingSlashes,
} from '../../formats/dhcp-options.ts';
import type { DhcpContext, DhcpDerivation, DhcpKnowledge, DhcpOffer } from '../driver.ts';
import { MPP, SPA } from './models.ts';

/**
 * Option 60 as public provisioning servers match it: SPA phones send `Cisco SPA504G` or
 * `Cisco Systems, Inc. IP Phone SPA504G` (a comma no snippet can match: those phones are
 * matched by MAC block), the SPA1xx adapters `CISCO SPA112`; the MPP
 * phones' class ends in `CP-<model>-3PCC` (what precedes it is *uncertain*, so `CP-` is
 * matched as a prefix; `plugndial dhcp --vendor-class cisco=…` replaces it). Enterprise
 * phones (`Cisco Systems, Inc. IP Phone CP-7841`) are deliberately not matched: they belong
 * to a call manager. MAC blocks: those public servers match SPA phones by (00:26:99,
 * 50:3D:E5, 00:E1:6D, 00:DA:55, 10:BD:18) and MPP ones by (D0:EC:35, and 00:56:2B from the
 * MPP User-Agent example); Cisco has many more.
 */
export const SPA_PREFIXES: readonly string[] = ['002699', '503de5', '00e16d', '00da55', '10bd18'];
export const MPP_PREFIXES: readonly string[] = ['d0ec35', '00562b'];

/**
 * Both generations read option 66 (a TFTP server name; a URL on firmware that takes one)
 * and option 150 (TFTP server addresses), and fetch their factory Profile_Rule from it
 * (`/spa$PSN.cfg`, `/$PSN.xml`): 66 as a bare host and 150 as its address when the TFTP
 * door is on port 69. Without a TFTP door, 66 carries a URL: MPP phones fetch `$PSN.xml`
 * under it; SPA phones take it as their profile rule, so it names `spa$PSN.cfg`
 * (*uncertain*, as public templates give it).
 */
export const ciscoDhcp: DhcpKnowledge = {
  vendorClasses: {
    [MPP]: ['CP-'],
    [SPA]: ['Cisco SPA', 'CISCO SPA'],
  },
  macPrefixes: { [MPP]: MPP_PREFIXES, [SPA]: SPA_PREFIXES },
  requested: () => [OPTION.tftpServerName, OPTION.tftpServerAddresses],
  offer,
  derive,
};

function offer(vendor: string, { doors, customOption }: DhcpContext): DhcpOffer | undefined {
  if (doors.tftp !== undefined) {
    const parsed = new URL(doors.tftp);
    // A bare name in 66 is a host: an IPv6 literal ([…]) is no host name, so it goes as a URL.
    const standard =
      (parsed.port === '' || parsed.port === '69') && !parsed.hostname.startsWith('[');
    const url = `tftp://${parsed.host}/`;
    const options: DhcpOption[] = [
      {
        code: OPTION.tftpServerName,
        value: { kind: 'text', text: standard ? parsed.hostname : url },
      },
    ];
    // A site that chose 150 as its custom option (a URL as text for other phones) keeps it:
    // these phones then read 66 alone.
    const free = customOption !== OPTION.tftpServerAddresses;
    if (free && standard && /^\d{1,3}(\.\d{1,3}){3}$/.test(parsed.hostname))
      options.push({
        code: OPTION.tftpServerAddresses,
        value: { kind: 'addresses', addresses: [parsed.hostname] },
      });
    return { url, options };
  }
  const door = doors.https ?? doors.http;
  if (door === undefined) return undefined;
  const base = `${trimTrailingSlashes(door)}/`;
  const url = vendor === SPA ? `${base}spa$PSN.cfg` : base;
  return { url, options: [{ code: OPTION.tftpServerName, value: { kind: 'text', text: url } }] };
}

/** 66 first (the MPP default order is 66, 160, 159, 150, …), then 150. */
function derive(_vendor: string, options: DhcpOptions): DhcpDerivation | undefined {
  const name = options.get(OPTION.tftpServerName);
  const text = name ? decodeText(name).trim() : '';
  if (isUrlText(text)) {
    const url = hasScheme(text) ? text : `tftp://${trimTrailingSlashes(text)}/`;
    return { url, from: [OPTION.tftpServerName], start: { baseUrl: url } };
  }
  const data = options.get(OPTION.tftpServerAddresses);
  const address = data ? decodeAddresses(data)?.[0] : undefined;
  if (address === undefined) return undefined;
  const url = `tftp://${address}/`;
  return { url, from: [OPTION.tftpServerAddresses], start: { baseUrl: url } };
}
