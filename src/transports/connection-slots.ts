// An HTTP door's table of connections (the HTTP, HTTPS and ACS doors each have one): how many
// are open, how many from each address, which are waiting for a request. A client that opens
// connections and trickles their heads a byte at a time holds nothing for long: the first
// head has --http-header-timeout from the accept (the TLS handshake included), and when the
// table is full a newcomer takes the place of the connection that has waited longest without
// a request, rather than being turned away. A phone sends its head as soon as it is
// connected, so it is never that one; a connection being answered is never taken.

import type { Server, Socket } from 'node:net';

import { unmapped } from '../model/cidr.ts';
import type { LimitReached, OnLimit } from '../provisioning/limit-recorder.ts';

export interface ConnectionLimits {
  /** Connections at once at this door. */
  connections: number;
  /** Of those, from one address; an exempt address (a trusted proxy) is not counted. */
  perAddress: number;
  /** From the accept to the end of the first request head. */
  headerTimeoutMs: number;
}

/** The defaults of --http-connections, --http-connections-per-address, --http-header-timeout. */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  connections: 2048,
  perAddress: 256,
  headerTimeoutMs: 20_000,
};

export interface ConnectionSlotsOptions {
  door: LimitReached['door'];
  limits: ConnectionLimits;
  /** Addresses the per-address cap does not apply to: proxies, which speak for many clients. */
  exempt?: (address: string) => boolean;
  onLimit?: OnLimit;
}

interface Slot {
  socket: Socket;
  address: string;
  acceptedAt: number;
  /** A complete head arrived: the first-head deadline is over. */
  spoken: boolean;
  /** Requests being answered (node:http takes pipelined ones at once): never taken then. */
  busy: number;
  released: boolean;
}

/** Where a socket keeps its slot; a TLS socket finds it through the socket it wraps. */
const SLOT = Symbol('plugndial.connection-slot');
type SlottedSocket = Socket & { [SLOT]?: Slot; _parent?: SlottedSocket };

/** How often first-head deadlines are checked: they are seconds long. */
const SWEEP_MS = 1000;

export class ConnectionSlots {
  readonly #options: ConnectionSlotsOptions;
  /** Connections waiting for a request, the longest waiting first (a Set keeps its order). */
  readonly #waiting = new Set<Slot>();
  /** Connections without a first head yet, in accept order: their deadlines in order too. */
  readonly #silent = new Set<Slot>();
  readonly #byAddress = new Map<string, Set<Slot>>();
  #open = 0;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: ConnectionSlotsOptions) {
    this.#options = options;
    this.#sweeper = setInterval(() => this.#sweep(Date.now()), SWEEP_MS);
    this.#sweeper.unref();
  }

  /** Connections held now (tests and the benchmark read it). */
  get open(): number {
    return this.#open;
  }

  /** Takes a slot for a new connection; false when it was refused (and destroyed). */
  admit(socket: Socket): boolean {
    const address = unmapped(socket.remoteAddress ?? 'unknown');
    const { connections, perAddress } = this.#options.limits;
    const exempt = this.#options.exempt?.(address) === true;
    const mine = this.#byAddress.get(address);
    if (!exempt && mine !== undefined && mine.size >= perAddress) {
      const room = this.#makeRoom(
        firstWaiting(mine),
        'http-connections-per-address',
        address,
        `${perAddress} connections from this address`,
      );
      if (!room) return this.#refuse(socket);
    }
    if (this.#open >= connections) {
      const victim: Slot | undefined = this.#waiting.values().next().value;
      const room = this.#makeRoom(
        victim,
        'http-connections',
        victim?.address ?? address,
        `${this.#open} of ${connections} connections taken`,
      );
      if (!room) return this.#refuse(socket);
    }
    const slot: Slot = {
      socket,
      address,
      acceptedAt: Date.now(),
      spoken: false,
      busy: 0,
      released: false,
    };
    (socket as SlottedSocket)[SLOT] = slot;
    this.#open += 1;
    this.#waiting.add(slot);
    this.#silent.add(slot);
    let held = this.#byAddress.get(address);
    if (held === undefined) this.#byAddress.set(address, (held = new Set()));
    held.add(slot);
    socket.once('close', () => this.#release(slot));
    return true;
  }

  /** A request head arrived on `socket` (or the TLS socket over it): it is being answered. */
  busy(socket: Socket): void {
    const slot = slotOf(socket);
    if (slot === undefined || slot.released) return;
    slot.busy += 1;
    if (!slot.spoken) {
      slot.spoken = true;
      this.#silent.delete(slot);
    }
    this.#waiting.delete(slot);
  }

  /** The answer is sent; the connection waits for another request. */
  idle(socket: Socket): void {
    const slot = slotOf(socket);
    if (slot === undefined || slot.released || slot.busy === 0) return;
    slot.busy -= 1;
    if (slot.busy === 0) this.#waiting.add(slot);
  }

  close(): void {
    clearInterval(this.#sweeper);
  }

  #makeRoom(victim: Slot | undefined, limit: string, address: string, detail: string): boolean {
    const { door, onLimit } = this.#options;
    if (victim === undefined) {
      onLimit?.({ door, limit, address, detail: `${detail}, all busy: connection refused` });
      return false;
    }
    onLimit?.({
      door,
      limit,
      address,
      detail: `${detail}: the one waiting longest for a request closed`,
    });
    this.#release(victim);
    victim.socket.destroy();
    return true;
  }

  #refuse(socket: Socket): false {
    socket.destroy();
    return false;
  }

  #release(slot: Slot): void {
    if (slot.released) return;
    slot.released = true;
    this.#open -= 1;
    this.#waiting.delete(slot);
    this.#silent.delete(slot);
    const held = this.#byAddress.get(slot.address);
    held?.delete(slot);
    if (held?.size === 0) this.#byAddress.delete(slot.address);
    const { headerTimeoutMs } = this.#options.limits;
    // Whoever closed it (this table, the door's own reader, the client giving up), a
    // connection that never sent a whole head in the time allowed was held to the limit.
    if (!slot.spoken && Date.now() - slot.acceptedAt >= headerTimeoutMs) {
      this.#options.onLimit?.({
        door: this.#options.door,
        limit: 'http-header-timeout',
        address: slot.address,
        detail: `no complete request head ${headerTimeoutMs / 1000} s after connecting`,
      });
    }
  }

  #sweep(now: number): void {
    const { headerTimeoutMs } = this.#options.limits;
    for (const slot of this.#silent) {
      if (now - slot.acceptedAt < headerTimeoutMs) break;
      this.#release(slot);
      slot.socket.destroy();
    }
  }
}

function slotOf(socket: Socket): Slot | undefined {
  const slotted = socket as SlottedSocket;
  return slotted[SLOT] ?? slotted._parent?.[SLOT];
}

function firstWaiting(slots: Set<Slot>): Slot | undefined {
  for (const slot of slots) if (slot.busy === 0) return slot;
  return undefined;
}

/**
 * A door's table, put in front of its server: every connection (before TLS, so a stalled
 * handshake counts too) takes a slot or is refused; requests node:http answers mark their
 * connection busy until the answer is sent. Readers that answer requests themselves (the
 * phone reader) call busy and idle.
 */
export function limitConnections(server: Server, slots: ConnectionSlots): void {
  const listeners = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    if (!slots.admit(socket)) return;
    for (const listener of listeners) listener.call(server, socket);
  });
  server.on('request', (request: { socket: Socket }, response: NodeJS.EventEmitter) => {
    slots.busy(request.socket);
    response.once('finish', () => slots.idle(request.socket));
  });
  server.once('close', () => slots.close());
}
