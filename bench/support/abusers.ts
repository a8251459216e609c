// The abusive clients of bench/abuse.ts: crowds of slow connections that trickle a request
// one byte at a time (HTTP, HTTPS after its handshake, FTP, ACS), half-finished TFTP
// transfers, and a client announcing a 2 GiB body. Each counts what became of it; every loop
// ends by itself at `until`.

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

/** 127.0.0.0/8 is all loopback: each 127.x.y.z is a client of its own (127.0.0.1 is the phone). */
export function sourceAddresses(count: number, offset = 0): string[] {
  return Array.from({ length: count }, (_, i) => {
    const n = i + offset + 2;
    return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  });
}

export interface CrowdCounts {
  /** Connections established (TLS: handshake done). */
  opened: number;
  /** Closed by the server within a second of opening: refused, or taken for a newcomer at once. */
  refused: number;
  /** Closed by the server later, with how long each was held. */
  cut: number;
  holdsMs: number[];
  /** Seconds from the start of the crowd to the first cut. */
  firstCutS: number | undefined;
  /** Connections that never connected (reset, time-out). */
  failed: number;
  /** Open now. */
  held: number;
  /** The most held at once. */
  peak: number;
}

export interface CrowdOptions {
  port: number;
  tls?: boolean;
  /** Sent one byte at a time, then `filler` forever: a head (or line) that never ends. */
  text: string;
  filler: string;
  addresses: string[];
  count: number;
  byteEveryMs: number;
  /** No connection is reopened after this (epoch ms); read each time, so it can be set late. */
  until: () => number;
}

interface Member {
  socket: Socket;
  openedAt: number;
  sent: number;
  open: boolean;
}

/** `count` slow clients, each reconnecting when cut, until `until`. */
export class SlowCrowd {
  readonly #options: CrowdOptions;
  readonly #members = new Set<Member>();
  readonly #started = Date.now();
  readonly counts: CrowdCounts = {
    opened: 0,
    refused: 0,
    cut: 0,
    holdsMs: [],
    firstCutS: undefined,
    failed: 0,
    held: 0,
    peak: 0,
  };
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: CrowdOptions) {
    this.#options = options;
  }

  /** Opens the crowd, a batch at a time so the listen queue is not what refuses them. */
  async start(): Promise<void> {
    this.#timer = setInterval(() => this.#trickle(), this.#options.byteEveryMs);
    const { count, addresses } = this.#options;
    for (let i = 0; i < count; i += 100) {
      const batch = Array.from({ length: Math.min(100, count - i) }, (_, j) =>
        this.#open(addresses[(i + j) % addresses.length]!),
      );
      await Promise.all(batch);
    }
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    for (const member of this.#members) member.socket.destroy();
  }

  #open(localAddress: string): Promise<void> {
    const { port, tls } = this.#options;
    return new Promise((resolve) => {
      const options = { host: '127.0.0.1', port, localAddress };
      const socket = tls ? connectTls({ ...options, rejectUnauthorized: false }) : connect(options);
      const member: Member = { socket, openedAt: 0, sent: 0, open: false };
      const timer = setTimeout(() => socket.destroy(), 15_000);
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        member.open = true;
        member.openedAt = Date.now();
        this.counts.opened += 1;
        this.counts.held += 1;
        this.counts.peak = Math.max(this.counts.peak, this.counts.held);
        this.#members.add(member);
        this.#send(member);
        resolve();
      });
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
      socket.once('close', () => {
        clearTimeout(timer);
        this.#members.delete(member);
        if (!member.open) {
          this.counts.failed += 1;
          resolve();
        } else if (!this.#stopped) {
          this.counts.held -= 1;
          const heldMs = Date.now() - member.openedAt;
          if (heldMs < 1000) this.counts.refused += 1;
          else {
            this.counts.cut += 1;
            this.counts.holdsMs.push(heldMs);
            this.counts.firstCutS ??= (Date.now() - this.#started) / 1000;
          }
        }
        if (this.#stopped || Date.now() >= this.#options.until()) return;
        // A slowloris reopens what it lost, a second later: the crowd stays a crowd of slow
        // clients and does not turn into a flood of connections.
        const again = setTimeout(() => void this.#open(localAddress), 1000);
        again.unref();
      });
    });
  }

  #send(member: Member): void {
    const { text, filler } = this.#options;
    const byte = member.sent < text.length ? text[member.sent]! : filler;
    member.sent += 1;
    member.socket.write(byte, 'latin1');
  }

  #trickle(): void {
    for (const member of this.#members) if (!member.socket.destroyed) this.#send(member);
  }
}

export interface TftpCounts {
  /** Read requests sent. */
  requests: number;
  /** Answered with data or an option acknowledgement: a slot was taken. */
  answered: number;
  /** Answered with an error packet (the door full, or the address at its cap). */
  refused: number;
  /** Data packets the server sent again for a transfer nobody acknowledged. */
  retransmits: number;
}

/**
 * `count` half-finished transfers, each from its own address and port: a read request, then
 * no ACK at all (`ackFirst` false) or the first block's only. When the server has given up
 * (silent for `quietMs`) the client asks again from a new port, until `until`.
 */
export class HalfTransfers {
  readonly counts: TftpCounts = { requests: 0, answered: 0, refused: 0, retransmits: 0 };
  readonly #sockets = new Set<UdpSocket>();
  #stopped = false;

  constructor(
    readonly options: {
      port: number;
      file: string;
      addresses: string[];
      count: number;
      until: () => number;
      quietMs: number;
    },
  ) {}

  async start(): Promise<void> {
    const { count, addresses } = this.options;
    for (let i = 0; i < count; i += 100) {
      const batch = Array.from({ length: Math.min(100, count - i) }, (_, j) =>
        this.#request(addresses[(i + j) % addresses.length]!, (i + j) % 2 === 1),
      );
      await Promise.all(batch);
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const socket of this.#sockets) socket.close();
    this.#sockets.clear();
  }

  #request(address: string, ackFirst: boolean): Promise<void> {
    return new Promise((resolve) => {
      const socket = createSocket('udp4');
      this.#sockets.add(socket);
      let quiet: NodeJS.Timeout | undefined;
      let seen = new Set<number>();
      const done = (): void => {
        clearTimeout(quiet);
        if (this.#sockets.delete(socket)) socket.close();
        resolve();
        if (this.#stopped || Date.now() >= this.options.until()) return;
        const again = setTimeout(() => void this.#request(address, ackFirst), 1000);
        again.unref();
      };
      const wait = (): void => {
        clearTimeout(quiet);
        quiet = setTimeout(done, this.options.quietMs);
      };
      socket.on('error', done);
      socket.on('message', (packet, from) => {
        const opcode = packet.readUInt16BE(0);
        if (opcode === 5) {
          if (seen.size === 0) this.counts.refused += 1;
          done();
          return;
        }
        if (opcode !== 3) return;
        const block = packet.readUInt16BE(2);
        if (seen.has(block)) this.counts.retransmits += 1;
        else if (seen.size === 0) this.counts.answered += 1;
        seen = new Set([...seen, block]);
        if (ackFirst && block === 1) {
          const ack = Buffer.from([0, 4, 0, 1]);
          socket.send(ack, from.port, from.address);
        }
        wait();
      });
      socket.bind(0, address, () => {
        const request = Buffer.concat([
          Buffer.from([0, 1]),
          Buffer.from(`${this.options.file}\0octet\0`, 'latin1'),
        ]);
        this.counts.requests += 1;
        // The request is out: the next one need not wait for this transfer to end.
        socket.send(request, this.options.port, '127.0.0.1', () => resolve());
        wait();
      });
    });
  }
}

export interface HugeBodyResult {
  status: number | undefined;
  /** From the end of the head to the first byte of the answer. */
  answeredMs: number | undefined;
  /** Body bytes the client could write before the server closed the connection. */
  written: number;
  closed: boolean;
}

/**
 * A request head announcing a 2 GiB body, then body bytes as fast as the server takes them,
 * at most `cap`: what the answer was, how soon, and how much was taken before the close.
 */
export async function hugeBody(
  port: number,
  head: string,
  options: { tls?: boolean; cap: number },
): Promise<HugeBodyResult> {
  const socket: Socket = await new Promise((resolve, reject) => {
    const target = { host: '127.0.0.1', port };
    const s = options.tls
      ? connectTls({ ...target, rejectUnauthorized: false }, () => resolve(s))
      : connect(target, () => resolve(s));
    s.once('error', reject);
  });
  let received = '';
  let closed = false;
  let answeredAt: number | undefined;
  socket.on('data', (chunk: Buffer) => {
    answeredAt ??= performance.now();
    received += chunk.toString('latin1');
  });
  socket.on('error', () => undefined);
  socket.once('close', () => (closed = true));
  socket.write(head);
  const sentAt = performance.now();
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let written = 0;
  const deadline = Date.now() + 20_000;
  while (!closed && written < options.cap && Date.now() < deadline) {
    const more = socket.write(chunk);
    written += chunk.length;
    if (!more) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, 2000);
        function finish(): void {
          clearTimeout(timer);
          socket.off('drain', finish);
          socket.off('close', finish);
          resolve();
        }
        socket.once('drain', finish);
        socket.once('close', finish);
      });
    }
  }
  const wasClosed = closed;
  socket.destroy();
  const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
  return {
    status: status ? Number(status) : undefined,
    answeredMs: answeredAt === undefined ? undefined : answeredAt - sentAt,
    written,
    closed: wasClosed,
  };
}
