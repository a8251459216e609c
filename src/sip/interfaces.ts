// Which interfaces join the plug-and-play group (`--sip-interface`). Pure: the interface
// table is given, so the choice is tested without touching the machine's network.

import { isIP } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

import { pndError } from '../errors.ts';

/** Which interfaces join the group: `auto`, `all`, `none`, or names and IPv4 addresses. */
export type InterfaceChoice = 'auto' | 'all' | 'none' | readonly string[];

type Nics = NodeJS.Dict<NetworkInterfaceInfo[]>;

export interface ResolvedInterfaces {
  /** IPv4 addresses of the interfaces to join the group on. */
  addresses: string[];
  /** Items that named no usable interface. */
  unknown: string[];
}

/**
 * The IPv4 addresses to join on. `auto`: every non-loopback IPv4 interface when the door
 * listens on a wildcard address, else the interface holding the door's address (none for
 * loopback). Pure: the interface table is given.
 */
export function resolveInterfaces(
  choice: InterfaceChoice,
  host: string,
  nics: Nics = networkInterfaces(),
): ResolvedInterfaces {
  const v4 = (list: NetworkInterfaceInfo[] | undefined): NetworkInterfaceInfo[] =>
    (list ?? []).filter((i) => i.family === 'IPv4');
  const external = Object.values(nics)
    .flatMap(v4)
    .filter((i) => !i.internal)
    .map((i) => i.address);
  if (choice === 'none' || isIP(host) === 6) return { addresses: [], unknown: [] };
  if (choice === 'all') return { addresses: dedupe(external), unknown: [] };
  if (choice === 'auto') {
    if (host === '0.0.0.0') return { addresses: dedupe(external), unknown: [] };
    return { addresses: external.includes(host) ? [host] : [], unknown: [] };
  }
  const addresses: string[] = [];
  const unknown: string[] = [];
  for (const item of choice) {
    if (isIP(item) === 4) {
      if (
        Object.values(nics)
          .flatMap(v4)
          .some((i) => i.address === item)
      )
        addresses.push(item);
      else unknown.push(item);
      continue;
    }
    const named = v4(nics[item]).map((i) => i.address);
    if (named.length > 0) addresses.push(...named);
    else unknown.push(item);
  }
  return { addresses: dedupe(addresses), unknown };
}

/** `--sip-interface` text: `auto`, `all`, `none`, or a comma list of names and addresses. */
export function parseInterfaceChoice(texts: readonly string[]): InterfaceChoice {
  const items = texts
    .flatMap((t) => t.split(','))
    .map((t) => t.trim())
    .filter(Boolean);
  if (items.length === 0) return 'auto';
  if (items.length === 1 && ['auto', 'all', 'none'].includes(items[0]!)) {
    return items[0] as 'auto' | 'all' | 'none';
  }
  return items;
}

function dedupe(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/** The error for `--sip-interface` items that name no interface of this machine. */
export function joinProblem(unknown: readonly string[]): Error {
  return pndError(
    'PND_CONFIG',
    `--sip-interface: ${unknown.map((u) => `"${u.slice(0, 40)}"`).join(', ')} names no IPv4 interface of this machine; use an interface name (eth0), one of its IPv4 addresses, all, auto or none`,
  );
}
