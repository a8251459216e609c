// UDP sockets for SIP: one unicast socket that receives and sends everything, joined to the
// plug-and-play group on the chosen interfaces; a second socket bound to the group when the
// unicast one is bound to a single address (such a socket never sees multicast on Linux).

import dgram from 'node:dgram';
import { isIP } from 'node:net';

import type { Peer } from './build.ts';
import type { Arrival, DatagramSocket } from './endpoint.ts';
import { PNP_GROUP } from './pnp.ts';

export interface SipSocketsOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Interface addresses to join the group on (see resolveInterfaces). */
  joinOn: readonly string[];
  group?: string;
  maxDatagram: number;
  /** The interface address multicast this socket sends leaves by (a phone's SUBSCRIBE). */
  multicastInterface?: string;
  onDatagram(data: Buffer, from: Peer, arrival: Arrival): void;
}

export interface SipSockets extends DatagramSocket {
  /** Interface addresses the group was joined on; failures are in `joinFailures`. */
  readonly joined: readonly string[];
  readonly joinFailures: readonly { address: string; code: string }[];
  close(): Promise<void>;
}

export async function openSipSockets(options: SipSocketsOptions): Promise<SipSockets> {
  const group = options.group ?? PNP_GROUP;
  const type = isIP(options.host) === 6 ? 'udp6' : 'udp4';
  const unicast = dgram.createSocket({ type });
  const sockets: dgram.Socket[] = [unicast];
  const closeAll = (): Promise<void> => Promise.all(sockets.map(closeSocket)).then(() => undefined);
  try {
    await bind(unicast, options.host, options.port, false);
    const local = unicast.address();
    if (options.multicastInterface) unicast.setMulticastInterface(options.multicastInterface);
    const wildcard = options.host === '0.0.0.0' || options.host === '::';
    let groupSocket: dgram.Socket | undefined;
    if (options.joinOn.length > 0 && !wildcard) {
      groupSocket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
      sockets.push(groupSocket);
      await bind(groupSocket, group, local.port, true);
    }
    const receiver = groupSocket ?? unicast;
    const joined: string[] = [];
    const joinFailures: { address: string; code: string }[] = [];
    for (const address of options.joinOn) {
      try {
        receiver.addMembership(group, address);
        joined.push(address);
      } catch (error) {
        joinFailures.push({ address, code: (error as NodeJS.ErrnoException).code ?? 'error' });
      }
    }
    const listen = (socket: dgram.Socket, arrival: Arrival | 'guess'): void => {
      socket.on('message', (data, rinfo) => {
        // A wildcard socket cannot see a datagram's destination; the SIP layer reads the
        // Request-URI to tell multicast apart where it matters.
        const how: Arrival = arrival === 'guess' ? 'unicast' : arrival;
        if (data.length > options.maxDatagram) return;
        try {
          options.onDatagram(data, { address: plain(rinfo.address), port: rinfo.port }, how);
        } catch {
          // The endpoint guards itself; this is the last line before the event loop.
        }
      });
      socket.on('error', () => {
        // ICMP errors from earlier sends surface here on some platforms; nothing to do.
      });
    };
    listen(unicast, 'guess');
    if (groupSocket) listen(groupSocket, 'multicast');
    return {
      local: { address: local.address, port: local.port },
      joined,
      joinFailures,
      send: (data, to) =>
        new Promise((resolve, reject) => {
          unicast.send(data, to.port, to.address, (error) => (error ? reject(error) : resolve()));
        }),
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** A socket on an ephemeral port for sending NOTIFYs when the SIP door is off (`plugndial resync`). */
export async function openEphemeralSocket(
  onDatagram: (data: Buffer, from: Peer) => void,
  maxDatagram: number,
): Promise<SipSockets> {
  return openSipSockets({
    host: '0.0.0.0',
    port: 0,
    joinOn: [],
    maxDatagram,
    onDatagram: (data, from) => onDatagram(data, from),
  });
}

function bind(socket: dgram.Socket, address: string, port: number, shared: boolean): Promise<void> {
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
    socket.bind({ port, address, exclusive: !shared });
  });
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

function plain(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

const localCache = new Map<string, { address: string; until: number }>();

/**
 * The local address the kernel would send from towards a peer: what the peer reached us on,
 * as far as a wildcard socket can tell. A connected probe socket sends nothing.
 */
export async function localAddressTowards(remote: string): Promise<string | undefined> {
  const now = Date.now();
  const hit = localCache.get(remote);
  if (hit && hit.until > now) return hit.address;
  const probe = dgram.createSocket(isIP(remote) === 6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.connect(9, remote, () => {
        probe.off('error', reject);
        resolve();
      });
    });
    const address = plain(probe.address().address);
    if (localCache.size >= 1024) localCache.clear();
    localCache.set(remote, { address, until: now + 60_000 });
    return address;
  } catch {
    return undefined;
  } finally {
    await closeSocket(probe);
  }
}
