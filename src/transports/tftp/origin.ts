// The origin a phone used to reach the door: `tftp://<address it sent to>[:port]`.
// A socket bound to a wildcard cannot see a datagram's destination address, so the
// address is the one the kernel would send from towards that phone: a connected probe
// socket (connect sends nothing) tells it, cached per phone address.

import type dgram from 'node:dgram';

import { closeSocket, createUdpSocket, hostForUrl, isWildcard, plainAddress } from './sockets.ts';

const CACHE_SIZE = 1024;
const CACHE_MS = 60_000;

export function formatOrigin(address: string, port: number): string {
  const host = hostForUrl(plainAddress(address));
  return port === 69 ? `tftp://${host}` : `tftp://${host}:${port}`;
}

export function originFinder(
  host: string,
  port: number,
  type: dgram.SocketType,
): (remote: string) => Promise<string> {
  if (!isWildcard(host)) {
    const fixed = formatOrigin(host, port);
    return () => Promise.resolve(fixed);
  }
  const cache = new Map<string, { origin: string; until: number }>();
  return async (remote: string): Promise<string> => {
    const now = Date.now();
    const hit = cache.get(remote);
    if (hit !== undefined && hit.until > now) return hit.origin;
    const local = await localAddressTowards(remote, type);
    const origin = formatOrigin(local ?? host, port);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(remote, { origin, until: now + CACHE_MS });
    return origin;
  };
}

async function localAddressTowards(
  remote: string,
  type: dgram.SocketType,
): Promise<string | undefined> {
  const probe = createUdpSocket(type);
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.connect(9, remote, () => {
        probe.off('error', reject);
        resolve();
      });
    });
    return probe.address().address;
  } catch {
    return undefined;
  } finally {
    await closeSocket(probe);
  }
}
