import type { Mac } from '../../model/mac.ts';

/**
 * The phone's side of profile rules (SPA and MPP provisioning guides, "Macro Expansion
 * Variables", "URL Syntax", "Optional Resync Arguments"), for the phone emulation.
 */
export interface PhoneFacts {
  mac: Mac;
  /** `$PN`, e.g. `CP-8841-3PCC`, `SPA504G`. */
  productName: string;
  /** `$PSN`, e.g. `8841-3PCC`, `504G`. */
  productSeries: string;
  serial?: string;
  firmware: string;
  /** The phone's parameters, for `$A`…`$P` (GPP_A…) and `$SA`…`$SD` (GPP_SA…). */
  parameters: ReadonlyMap<string, string>;
}

/** `$NAME`, `$(NAME)` and `$(NAME:p:q)` expanded; an unknown name stays as it is; `$$` is `$`. */
export function expandMacros(text: string, facts: PhoneFacts): string {
  const value = (name: string): string | undefined => {
    switch (name) {
      case 'MA':
        return facts.mac;
      case 'MAU':
        return facts.mac.toUpperCase();
      case 'MAC':
        return facts.mac.match(/../g)!.join(':');
      case 'PN':
        return facts.productName;
      case 'PSN':
        return facts.productSeries;
      case 'SN':
        return facts.serial ?? '';
      case 'SWVER':
        return facts.firmware;
      default:
        if (/^[A-P]$/.test(name)) return facts.parameters.get(`GPP_${name}`) ?? '';
        if (/^S[A-D]$/.test(name)) return facts.parameters.get(`GPP_${name}`) ?? '';
        return undefined;
    }
  };
  return text.replace(
    /\$\$|\$\(([A-Z]+)(?::(\d+)(?::(\d+))?)?\)|\$([A-Z]+)/g,
    (whole, long?: string, p?: string, q?: string, short?: string) => {
      if (whole === '$$') return '$';
      // The longest macro name that is known: `$MAU` before `$MA`.
      const name = long ?? short!;
      let found = value(name);
      let rest = '';
      if (found === undefined && short) {
        for (let cut = short.length - 1; cut > 0 && found === undefined; cut--) {
          found = value(short.slice(0, cut));
          rest = short.slice(cut);
        }
      }
      if (found === undefined) return whole;
      if (p !== undefined)
        found = found.slice(Number(p), q === undefined ? undefined : Number(p) + Number(q));
      return found + rest;
    },
  );
}

export interface ParsedRule {
  url: string;
  user?: string;
  password?: string;
  key?: string;
}

/** `[--uid U --pwd P --key K] url`: the options, then the URL (macros already expanded). */
export function parseRule(rule: string): ParsedRule | undefined {
  const match = /^\s*(?:\[([^\]]*)\])?\s*(\S+)\s*$/.exec(rule);
  if (!match) return undefined;
  const parsed: ParsedRule = { url: match[2]! };
  const args = [...(match[1] ?? '').matchAll(/--(\w+)\s+("([^"]*)"|\S+)/g)];
  for (const arg of args) {
    const value = arg[3] ?? arg[2]!;
    if (arg[1] === 'uid') parsed.user = value;
    else if (arg[1] === 'pwd') parsed.password = value;
    else if (arg[1] === 'key') parsed.key = value;
  }
  return parsed;
}

/**
 * A rule's URL as the phone fetches it: with no scheme it is TFTP; with no server, the
 * server DHCP named (here: the base the run started from, whose scheme and directory a
 * rule starting with `/` keeps).
 */
export function resolveRuleUrl(url: string, base: URL): URL | undefined {
  try {
    if (/^[a-z]+:\/\//i.test(url)) return new URL(url);
    if (url.startsWith('/')) return new URL(url.slice(1), base);
    return new URL(`tftp://${url}`);
  } catch {
    return undefined;
  }
}
