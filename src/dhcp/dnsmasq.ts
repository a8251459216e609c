import type { DhcpOption } from '../formats/dhcp-options.ts';
import { encodeValue, formatHex } from '../formats/dhcp-options.ts';
import {
  allVendorClasses,
  className,
  ouiBytes,
  served,
  summary,
  vendorHeading,
  type SitePlan,
} from './plan.ts';

/** Set for a phone that sent any vendor class the snippet knows: MAC prefixes yield to it. */
const ANY_CLASS = 'plugndial-class';

/**
 * A dnsmasq snippet for `conf-file=` or /etc/dnsmasq.d/. `dhcp-vendorclass` matches a
 * substring of option 60; `tag-if` gives the MAC prefix's tag only when no known vendor
 * class was seen; `dhcp-option-force` sends the option whether or not the phone asked.
 */
export function dnsmasqSnippet(plan: SitePlan): string {
  const include =
    'Include it with conf-file=/etc/dnsmasq.d/plugndial.conf (or put it in that folder).';
  const lines = summary(plan, 'dnsmasq', include).map((line) => `# ${line}`);
  const classes = allVendorClasses(plan);
  if (classes.length > 0) {
    lines.push('');
    for (const prefix of classes) lines.push(`dhcp-vendorclass=set:${ANY_CLASS},${prefix}`);
  }
  for (const v of served(plan)) {
    const tag = className(v.vendor);
    lines.push('', `# ${vendorHeading(v)}`);
    for (const prefix of v.vendorClasses) lines.push(`dhcp-vendorclass=set:${tag},${prefix}`);
    if (v.macPrefixes.length > 0) {
      for (const prefix of v.macPrefixes)
        lines.push(`dhcp-mac=set:${tag}-mac,${ouiBytes(prefix).join(':')}:*:*:*`);
      lines.push(`tag-if=set:${tag},tag:${tag}-mac,tag:!${ANY_CLASS}`);
    }
    for (const option of v.offer.options)
      lines.push(`dhcp-option-force=tag:${tag},${option.code},${value(option)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Why dnsmasq cannot load the snippet of this plan, or undefined when it can. */
export function dnsmasqRefuses(plan: SitePlan): string | undefined {
  // dnsmasq knows 150 as tftp-server-address and reads its value as addresses only.
  const text = served(plan).some((v) =>
    v.offer.options.some((o) => o.code === 150 && o.value.kind !== 'addresses'),
  );
  return text
    ? 'dnsmasq reads option 150 as IP addresses, not a URL (dnsmasq --test: bad IP address); choose another --custom-option (e.g. 160 or 242)'
    : undefined;
}

/** Text in double quotes (dnsmasq's escapes for `\` and `"`), sub-options as colon hex. */
function value(option: DhcpOption): string {
  // dnsmasq reads dotted quads as addresses for any option code.
  if (option.value.kind === 'addresses') return option.value.addresses.join(',');
  if (option.value.kind === 'text')
    return `"${option.value.text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  const bytes = encodeValue(option.value);
  return bytes.ok ? formatHex(bytes.value) : '';
}
