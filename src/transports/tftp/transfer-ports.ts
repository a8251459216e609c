// The door's transfer sockets. Every transfer runs on a port of its own, its TID (RFC 1350).
// Binding a socket and closing it again costs the door more than sending a small file: in a
// boot storm it was a twentieth of the door's CPU. So a socket whose transfer ended cleanly is
// kept, and the next transfer takes it, up to SPARE_PORTS of them.
//
// What a reused port must never do is take a late datagram of the transfer before it for one
// of its own. A transfer only listens to its phone's address and port, so a port is handed to
// a transfer only when that peer differs from the one the port served last: late ACKs of the
// last transfer then arrive as a stranger's (error 5, the transfer goes on). Which spare a
// transfer gets is picked at random, so the ports in use do not follow one another.

import type dgram from 'node:dgram';
import { randomInt } from 'node:crypto';

import { bindSocket, closeSocket, createUdpSocket } from './sockets.ts';

interface Spare {
  socket: dgram.Socket;
  /** The peer (`address port`) of the transfer that ended on it. */
  lastPeer: string;
}

/** Idle transfer ports kept for the next transfers by default. */
export const SPARE_PORTS = 32;

export class TransferPorts {
  readonly #type: dgram.SocketType;
  readonly #host: string;
  readonly #spares: Spare[] = [];
  /** Every socket, in use or spare, for the shutdown. */
  readonly #sockets = new Set<dgram.Socket>();
  #closed = false;

  constructor(type: dgram.SocketType, host: string) {
    this.#type = type;
    this.#host = host;
  }

  /** A bound socket for a transfer to `peer`, no other listener on it. */
  async take(peer: dgram.RemoteInfo): Promise<dgram.Socket> {
    const key = peerKey(peer);
    const usable: number[] = [];
    for (let i = 0; i < this.#spares.length; i++)
      if (this.#spares[i]!.lastPeer !== key) usable.push(i);
    if (usable.length > 0) {
      const index = usable[randomInt(usable.length)]!;
      const [spare] = this.#spares.splice(index, 1);
      spare!.socket.removeAllListeners('message');
      spare!.socket.removeAllListeners('error');
      return spare!.socket;
    }
    const socket = createUdpSocket(this.#type);
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    try {
      await bindSocket(socket, this.#host, 0);
    } catch (error) {
      void closeSocket(socket);
      throw error;
    }
    return socket;
  }

  /**
   * The transfer on `socket` with `peer` ended. A socket that is not `reusable` (it saw an
   * error, the door is closing), or one more than the door keeps, is closed; the others wait
   * for the next transfer, dropping what arrives.
   */
  giveBack(socket: dgram.Socket, peer: dgram.RemoteInfo, reusable: boolean): void {
    socket.removeAllListeners('message');
    socket.removeAllListeners('error');
    if (!reusable || this.#closed || this.#spares.length >= SPARE_PORTS) {
      void closeSocket(socket);
      return;
    }
    socket.on('message', ignore);
    // An error on an idle port (an ICMP answer to the last send, say) retires it.
    socket.once('error', () => this.#retire(socket));
    this.#spares.push({ socket, lastPeer: peerKey(peer) });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#spares.length = 0;
    await Promise.all([...this.#sockets].map((socket) => closeSocket(socket)));
  }

  #retire(socket: dgram.Socket): void {
    const index = this.#spares.findIndex((spare) => spare.socket === socket);
    if (index >= 0) this.#spares.splice(index, 1);
    void closeSocket(socket);
  }
}

function peerKey(peer: dgram.RemoteInfo): string {
  return `${peer.address} ${peer.port}`;
}

function ignore(): void {}
