// Writes to phone connections, batched per turn of the event loop.

import type { Socket } from 'node:net';

/**
 * Replies worked out in one turn of the event loop leave together at its end. Written one
 * by one, each reply wakes the phone's side separately; a storm's replies come in bursts,
 * and a burst written back to back costs the kernel far fewer wake-ups. Order per
 * connection is kept: a connection's writes and its end are queued in the order made.
 */
export class Outbox {
  #sockets: Socket[] = [];
  #data: (Buffer | undefined)[] = [];
  #ends: boolean[] = [];
  /** Bytes queued per connection this turn, so a connection's backlog can be weighed. */
  #queued = new Map<Socket, number>();
  #scheduled = false;

  write(socket: Socket, data: Buffer): void {
    this.#push(socket, data, false);
  }

  /** Writes `data` if given, then closes the connection. */
  end(socket: Socket, data?: Buffer): void {
    this.#push(socket, data, true);
  }

  /** The bytes queued for this connection that have not reached its socket yet. */
  queuedFor(socket: Socket): number {
    return this.#queued.get(socket) ?? 0;
  }

  readonly flush = (): void => {
    this.#scheduled = false;
    this.#queued.clear();
    const sockets = this.#sockets;
    const data = this.#data;
    const ends = this.#ends;
    this.#sockets = [];
    this.#data = [];
    this.#ends = [];
    for (let i = 0; i < sockets.length; i += 1) {
      const socket = sockets[i]!;
      if (socket.destroyed) continue;
      const bytes = data[i];
      if (bytes !== undefined) socket.write(bytes);
      if (ends[i]) closeWhenFlushed(socket);
    }
  };

  #push(socket: Socket, data: Buffer | undefined, end: boolean): void {
    this.#sockets.push(socket);
    this.#data.push(data);
    this.#ends.push(end);
    if (data !== undefined) this.#queued.set(socket, this.queuedFor(socket) + data.length);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.flush);
    }
  }
}

/**
 * Closes a connection once its replies are in the kernel's hands. Not `end()`: a half-close
 * costs a shutdown call and a wait for the phone's own FIN per connection, and phones open
 * one per file; the kernel still sends what is queued, then its FIN.
 */
function closeWhenFlushed(socket: Socket): void {
  if (socket.writableLength === 0) socket.destroy();
  else socket.once('drain', () => socket.destroy());
}
