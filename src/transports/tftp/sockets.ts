// UDP socket plumbing shared by the door and the client.

import dgram from 'node:dgram';
import dns from 'node:dns';
import { isIP } from 'node:net';

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string,
  family: number,
) => void;

/**
 * dgram resolves the address of every datagram it sends; for IP literals dns.lookup
 * answers on the next tick. Answering at once saves a tick per DATA packet.
 */
function literalLookup(
  hostname: string,
  options: dns.LookupOneOptions,
  callback: LookupCallback,
): void {
  const family = isIP(hostname);
  if (family !== 0) {
    callback(null, hostname, family);
    return;
  }
  dns.lookup(hostname, options, callback);
}

export function socketType(address: string): dgram.SocketType {
  return isIP(address) === 6 ? 'udp6' : 'udp4';
}

export async function resolveHost(host: string): Promise<string> {
  if (isIP(host) !== 0) return host;
  const { address } = await dns.promises.lookup(host);
  return address;
}

export function createUdpSocket(type: dgram.SocketType): dgram.Socket {
  return dgram.createSocket({ type, lookup: literalLookup });
}

export function bindSocket(socket: dgram.Socket, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      socket.off('listening', onListening);
      reject(error);
    };
    const onListening = (): void => {
      socket.off('error', onError);
      resolve();
    };
    socket.once('error', onError);
    socket.once('listening', onListening);
    socket.bind({ port, address, exclusive: true });
  });
}

export function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** `::ffff:10.0.0.1` is how a dual-stack socket sees an IPv4 peer; the rest of plugndial wants `10.0.0.1`. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

export function hostForUrl(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address;
}
