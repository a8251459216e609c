import { isIP } from 'node:net';

import { unmapped, type NetworkSet } from '../model/cidr.ts';
import type { ProvisioningRequest } from './request.ts';

/** Hops of `X-Forwarded-For` looked at, from the right: a longer header is the client's word. */
const MAX_HOPS = 32;

/**
 * The client's address: the peer's, or, when the peer is a trusted proxy, the nearest
 * address in `X-Forwarded-For` that is not one (the ones further left are the client's word).
 */
export function clientAddress(request: ProvisioningRequest, proxies: NetworkSet): string {
  const peer = unmapped(request.remoteAddress);
  if (!request.forwardedFor || !proxies.has(peer)) return peer;
  const hops = request.forwardedFor
    .split(',')
    .slice(-MAX_HOPS)
    .map((hop) => unmapped(hop.trim()));
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (isIP(hop) === 0) break;
    client = hop;
    if (!proxies.has(hop)) break;
  }
  return client;
}
