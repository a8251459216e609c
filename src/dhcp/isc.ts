import type { DhcpOption } from '../formats/dhcp-options.ts';
import { OPTION, encodeValue, formatHex } from '../formats/dhcp-options.ts';
import {
  allVendorClasses,
  className,
  optionCodes,
  optionKind,
  ouiBytes,
  served,
  summary,
  vendorHeading,
  type SitePlan,
} from './plan.ts';

/** Options ISC dhcpd knows by name; any other code is declared as text. */
const NAMES: Readonly<Record<number, string>> = {
  [OPTION.vendorSpecific]: 'vendor-encapsulated-options',
  [OPTION.tftpServerName]: 'tftp-server-name',
  [OPTION.bootFileName]: 'bootfile-name',
  [OPTION.defaultUrl]: 'default-url',
};

// Option 60 missing is null in dhcpd's expressions, and null poisons `and`/`not`:
// pick-first-value makes it an empty string, so every test is true or false.
const VENDOR_CLASS = 'pick-first-value(option vendor-class-identifier, "")';

/**
 * An ISC dhcpd snippet for `include "…";`: one `class` per vendor, matched by a prefix of
 * option 60, or by the MAC prefix (`substring(hardware, 1, 3)`: byte 0 is the hardware
 * type) when the phone sent no known vendor class. The class appends its option codes to
 * the phone's parameter request list, so dhcpd sends them even when the phone did not ask.
 */
export function iscSnippet(plan: SitePlan): string {
  const include =
    'Include it from dhcpd.conf at the top level: include "/etc/dhcp/plugndial.conf";';
  const lines = summary(plan, 'isc', include).map((line) => `# ${line}`);
  const declared = optionCodes(plan).filter((code) => NAMES[code] === undefined);
  if (declared.length > 0) lines.push('');
  for (const code of declared) {
    const type = optionKind(plan, code) === 'addresses' ? 'array of ip-address' : 'text';
    lines.push(`option ${optionName(code)} code ${code} = ${type};`);
  }
  const anyClass = allVendorClasses(plan).map(classTest);
  for (const v of served(plan)) {
    const tests = v.vendorClasses.map(classTest);
    if (v.macPrefixes.length > 0) {
      const macs = v.macPrefixes.map((p) => `substring(hardware, 1, 3) = ${ouiBytes(p).join(':')}`);
      const mac = macs.length === 1 ? macs[0]! : `(${macs.join('\n            or ')})`;
      const none = `not (${anyClass.join('\n                     or ')})`;
      tests.push(anyClass.length > 0 ? `(${mac}\n            and ${none})` : mac);
    }
    lines.push('', `# ${vendorHeading(v)}`, `class "${className(v.vendor)}" {`);
    lines.push(`  match if ${tests.join('\n        or ')};`);
    for (const option of v.offer.options)
      lines.push(`  option ${optionName(option.code)} ${value(option)};`);
    const codes = v.offer.options.map((o) => o.code.toString(16).padStart(2, '0')).join(', ');
    lines.push(
      '  if exists dhcp-parameter-request-list {',
      `    option dhcp-parameter-request-list = concat(option dhcp-parameter-request-list, ${codes});`,
      '  }',
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}

function classTest(prefix: string): string {
  return `substring(${VENDOR_CLASS}, 0, ${Buffer.byteLength(prefix)}) = ${quote(prefix)}`;
}

function optionName(code: number): string {
  return NAMES[code] ?? `plugndial-option-${code}`;
}

function value(option: DhcpOption): string {
  if (option.value.kind === 'text') return quote(option.value.text);
  if (option.value.kind === 'addresses') return option.value.addresses.join(', ');
  const bytes = encodeValue(option.value);
  return bytes.ok ? formatHex(bytes.value) : '""';
}

function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
