import type { DhcpOption } from '../formats/dhcp-options.ts';
import { OPTION, encodeValue } from '../formats/dhcp-options.ts';
import {
  allVendorClasses,
  className,
  optionCodes,
  optionKind,
  served,
  summary,
  vendorHeading,
  type SitePlan,
} from './plan.ts';

/** Options Kea defines in the dhcp4 space; 114 is `v4-captive-portal` (RFC 8910). */
const NAMES: Readonly<Record<number, string>> = {
  [OPTION.tftpServerName]: 'tftp-server-name',
  [OPTION.bootFileName]: 'boot-file-name',
  [OPTION.defaultUrl]: 'v4-captive-portal',
};

const VENDOR_ENCAPSULATED = 'vendor-encapsulated-options';

/**
 * Codes from 128 to 254 that Kea defines itself (kea-dhcp4 -t refuses an option-def for them:
 * 2.2 has 136 pana-agent … 213 v4-access-domain); later releases define 143 (v4-sztp-redirect)
 * and 162 (v4-dnr), refused too, so a snippet made today still loads after an upgrade.
 */
const KEA_DEFINED = [136, 137, 138, 141, 143, 146, 159, 162, 212, 213];

/** Why Kea cannot load the snippet of this plan, or undefined when it can. */
export function keaRefuses(plan: SitePlan): string | undefined {
  const code = optionCodes(plan).find((c) => KEA_DEFINED.includes(c));
  return code === undefined
    ? undefined
    : `Kea defines option ${code} itself and refuses to redefine it; choose another --custom-option (e.g. 160 or 242)`;
}

/**
 * A Kea fragment for inside `"Dhcp4": { … }` (`<?include "…" ?>`): `option-def` for codes
 * Kea does not define, and one client class per vendor, tested on a prefix of option 60 or,
 * when the phone sent no known vendor class, on the MAC prefix. Option 43 is redefined in
 * each class that sends it (a string or the binary sub-options), as Kea allows for 43.
 * Every option is `always-send`, so phones get it whether or not they asked.
 */
export function keaSnippet(plan: SitePlan): string {
  const include =
    'Include it inside "Dhcp4": { … } with <?include "/etc/kea/plugndial.json" ?>; if yours\n' +
    'already has "option-def" or "client-classes", merge these lists into it instead.';
  const head = summary(plan, 'kea', include)
    .flatMap((line) => line.split('\n'))
    .map((line) => `// ${line}`);
  const defs = optionCodes(plan)
    .filter((code) => NAMES[code] === undefined && code !== OPTION.vendorSpecific)
    .map((code) =>
      optionKind(plan, code) === 'addresses'
        ? { name: optionName(code), code, type: 'ipv4-address', array: true, space: 'dhcp4' }
        : { name: optionName(code), code, type: 'string', space: 'dhcp4' },
    );
  const anyClass = allVendorClasses(plan).map(classTest);
  const classes = served(plan).map((v) => {
    const tests = v.vendorClasses.map(classTest);
    if (v.macPrefixes.length > 0) {
      const macs = v.macPrefixes.map((p) => `substring(pkt4.mac, 0, 3) == 0x${p}`);
      const mac = macs.length === 1 ? macs[0]! : `(${macs.join(' or ')})`;
      tests.push(anyClass.length > 0 ? `(${mac} and not (${anyClass.join(' or ')}))` : mac);
    }
    const vendorSpecific = v.offer.options.find((o) => o.code === OPTION.vendorSpecific);
    return {
      comment: vendorHeading(v),
      name: className(v.vendor),
      test: tests.join(' or '),
      ...(vendorSpecific
        ? {
            'option-def': [
              {
                name: VENDOR_ENCAPSULATED,
                code: OPTION.vendorSpecific,
                type: vendorSpecific.value.kind === 'text' ? 'string' : 'binary',
              },
            ],
          }
        : {}),
      'option-data': v.offer.options.map((option) => ({
        name: optionName(option.code),
        data: data(option),
        'always-send': true,
      })),
    };
  });
  const body: string[] = [];
  if (defs.length > 0) body.push(`"option-def": ${JSON.stringify(defs, null, 2)}`);
  body.push(`"client-classes": ${JSON.stringify(classes, null, 2)}`);
  return `${[...head, body.join(',\n')].join('\n')}\n`;
}

function classTest(prefix: string): string {
  return `substring(option[60].text, 0, ${Buffer.byteLength(prefix)}) == '${prefix}'`;
}

function optionName(code: number): string {
  if (code === OPTION.vendorSpecific) return VENDOR_ENCAPSULATED;
  return NAMES[code] ?? `plugndial-option-${code}`;
}

/** Strings as they are (Kea splits option data on commas: those are escaped); binary as hex. */
function data(option: DhcpOption): string {
  if (option.value.kind === 'text') return option.value.text.replace(/,/g, '\\,');
  if (option.value.kind === 'addresses') return option.value.addresses.join(',');
  const bytes = encodeValue(option.value);
  return bytes.ok ? bytes.value.toString('hex') : '';
}
