// Networks as operators write them (`10.0.0.0/8`, `192.0.2.7`, `2001:db8::/32`) and the
// question the access stage asks of them: is this address inside?

import { BlockList, isIP } from 'node:net';

/** One network in canonical text form, e.g. `10.0.0.0/8` or `2001:db8::/32`. */
export type Cidr = string;

/** The canonical form of a network, or undefined when the text is not one. */
export function parseCidr(text: string): Cidr | undefined {
  const [address = '', prefixText, ...rest] = text.trim().split('/');
  if (rest.length > 0) return undefined;
  const plain = unmapped(address);
  const family = isIP(plain);
  if (family === 0) return undefined;
  const bits = family === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  return `${plain.toLowerCase()}/${prefix}`;
}

/** A set of networks asked about many times: built once, answered by node:net's BlockList. */
export class NetworkSet {
  readonly #list = new BlockList();
  readonly size: number;

  constructor(networks: readonly string[]) {
    let size = 0;
    for (const text of networks) {
      const cidr = parseCidr(text);
      if (!cidr) continue;
      const [address, prefix] = cidr.split('/') as [string, string];
      this.#list.addSubnet(address, Number(prefix), isIP(address) === 4 ? 'ipv4' : 'ipv6');
      size++;
    }
    this.size = size;
  }

  /** Whether the address (IPv4, IPv6 or IPv4-mapped IPv6) lies in one of the networks. */
  has(address: string): boolean {
    const plain = unmapped(address);
    const family = isIP(plain);
    if (family === 0) return false;
    return this.#list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** `::ffff:192.0.2.7` is 192.0.2.7: sockets on a dual-stack port report IPv4 clients so. */
export function unmapped(address: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
}
