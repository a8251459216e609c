import { isCustomCode, parseOptionArguments } from '../formats/dhcp-options.ts';
import type { DhcpChoices, Driver, PhoneIdentity } from '../drivers/driver.ts';
import { pndError } from '../errors.ts';
import { obtainLease } from '../simulate/dhcp.ts';
import { strings, type Parsed } from './args.ts';
import type { CommandIO } from './io.ts';

/** The options `simulate --via dhcp` takes. */
export const DHCP_VIA_OPTIONS = {
  interface: { type: 'string' },
  option: { type: 'string', multiple: true },
  'vendor-class': { type: 'string' },
  'custom-option': { type: 'string' },
} as const;

/**
 * `--via dhcp`: the options a lease on `--interface` brings (udhcpc sends the vendor's
 * option 60 and asks for the options it reads), or the `--option CODE=VALUE`s given; then
 * the URL the vendor's phone derives from them, where its fetch sequence starts.
 */
export async function urlByDhcp(
  values: Parsed['values'],
  driver: Driver,
  identity: PhoneIdentity,
  io: CommandIO,
): Promise<string> {
  const dhcp = driver.dhcp;
  if (!dhcp) throw pndError('PND_INVALID_ARGUMENT', `${identity.vendor} phones do not read DHCP`);
  const choices = choicesOf(values['custom-option']);
  const given = strings(values['option']);
  let options: Map<number, Buffer>;
  let refused: number[] = [];
  if (given.length > 0) {
    if (values['interface'] !== undefined)
      throw pndError('PND_INVALID_ARGUMENT', 'give --interface (a lease) or --option, not both');
    const parsed = parseOptionArguments(given);
    if (!parsed.ok) throw parsed.error;
    options = parsed.value;
  } else {
    if (values['interface'] === undefined)
      throw pndError(
        'PND_INVALID_ARGUMENT',
        '--via dhcp needs --interface IFACE (to obtain a lease) or --option CODE=VALUE…',
      );
    const vendorClass =
      values['vendor-class'] !== undefined
        ? String(values['vendor-class'])
        : (dhcp.vendorClasses[identity.vendor]?.[0] ?? '');
    const lease = await obtainLease({
      interfaceName: String(values['interface']),
      vendorClass,
      requested: dhcp.requested(identity.vendor, choices),
    });
    io.err(
      `dhcp lease ${lease.address}/${lease.prefix}${lease.server ? ` from ${lease.server}` : ''} (option 60 "${vendorClass}")\n`,
    );
    options = lease.options;
    refused = lease.refused;
  }
  const derived = dhcp.derive(identity.vendor, options, choices);
  if (!derived) {
    const reads = dhcp.requested(identity.vendor, choices).join(', ');
    const note = refused.length
      ? `; the DHCP client refused option ${refused.join(', ')} (not a host name)`
      : '';
    throw pndError(
      'PND_SIMULATE_STEP',
      `no URL for a ${identity.vendor} phone: it reads option ${reads}${note}`,
    );
  }
  io.err(`dhcp ${derived.url} (from option ${derived.from.join(' + ')})\n`);
  if (derived.start.input && !identity.input) identity.input = derived.start.input;
  return derived.start.baseUrl;
}

function choicesOf(value: unknown): DhcpChoices {
  if (value === undefined) return {};
  const code = Number(value);
  if (!isCustomCode(code))
    throw pndError('PND_INVALID_ARGUMENT', '--custom-option: expected a code from 128 to 254');
  return { customOption: code };
}
