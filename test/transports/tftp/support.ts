// Test support for the TFTP door: a fake pipeline, raw UDP peers and a lossy relay.

import dgram from 'node:dgram';
import { Readable } from 'node:stream';

import { normalisePath } from '../../../src/provisioning/path.ts';
import type {
  Answer,
  Provisioner,
  ProvisioningRequest,
  TransferOutcome,
} from '../../../src/provisioning/request.ts';
import { decodePacket } from '../../../src/transports/tftp/packet.ts';
import type { TftpPacket } from '../../../src/transports/tftp/packet.ts';

/** Deterministic bytes, cheap to make in bulk (xorshift32 per 4 bytes). */
export function patternBytes(length: number, seed = 1): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let x = seed >>> 0 || 1;
  let at = 0;
  for (; at + 4 <= length; at += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buffer.writeUInt32LE(x >>> 0, at);
  }
  for (; at < length; at += 1) buffer[at] = at & 0xff;
  return buffer;
}

export interface AnswerRecord {
  request: ProvisioningRequest;
  outcomes: TransferOutcome[];
}

export interface FakeProvisioner extends Provisioner {
  readonly answers: AnswerRecord[];
  /** Bytes handed out by open() streams so far, all streams together. */
  streamedBytes(): number;
  /** Resolves once `count` done() calls happened in total (bounded wait). */
  settled(count: number, timeoutMs?: number): Promise<void>;
}

/**
 * The pipeline as the door sees it: `files` come whole as `body`, `streamed` through
 * `open()` in 64 KiB chunks, pulled only as the reader asks. Paths are normalised the way
 * the pipeline does (leading `/`, backslashes).
 */
export function fakeProvisioner(
  files: Record<string, Buffer>,
  streamed: Record<string, Buffer> = {},
): FakeProvisioner {
  const answers: AnswerRecord[] = [];
  let streamedBytes = 0;
  let doneCalls = 0;
  const waiters: Array<() => void> = [];
  return {
    answers,
    streamedBytes: () => streamedBytes,
    async answer(request: ProvisioningRequest): Promise<Answer> {
      const record: AnswerRecord = { request, outcomes: [] };
      answers.push(record);
      const done = (outcome: TransferOutcome): void => {
        record.outcomes.push(outcome);
        doneCalls += 1;
        for (const wake of waiters.splice(0)) wake();
      };
      const segments = normalisePath(request.rawPath, {
        percentEncoded: false,
        backslashIsSeparator: true,
      });
      const name = segments?.join('/') ?? '';
      const body = files[name];
      if (body !== undefined) {
        return {
          status: 200,
          contentType: 'application/octet-stream',
          size: body.length,
          body,
          done,
        };
      }
      const image = streamed[name];
      if (image !== undefined) {
        return {
          status: 200,
          contentType: 'application/octet-stream',
          size: image.length,
          // An inclusive byte range, as the store streams one.
          open: (range?: { start: number; end: number }) =>
            Readable.from(
              (function* chunks(): Generator<Buffer> {
                const start = range?.start ?? 0;
                const end = Math.min(range?.end ?? image.length - 1, image.length - 1) + 1;
                for (let at = start; at < end; at += 65536) {
                  const chunk = image.subarray(at, Math.min(at + 65536, end));
                  streamedBytes += chunk.length;
                  yield chunk;
                }
              })(),
              { objectMode: false, highWaterMark: 65536 },
            ),
          done,
        };
      }
      return { status: 404, contentType: 'text/plain', size: 0, done };
    },
    async settled(count: number, timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (doneCalls < count) {
        const left = deadline - Date.now();
        if (left <= 0) {
          const open = answers.filter((a) => a.outcomes.length === 0).map((a) => a.request.rawPath);
          throw new Error(
            `only ${doneCalls} of ${count} done() calls; waiting: ${open.join(', ')}`,
          );
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
  };
}

export interface Received {
  packet: TftpPacket | undefined;
  raw: Buffer;
  from: dgram.RemoteInfo;
}

/** A hand-driven UDP peer: sends what the test says, queues what arrives. */
export class RawPeer {
  readonly socket: dgram.Socket;
  private readonly queue: Received[] = [];
  private waiter: (() => void) | undefined;
  private readonly sending: Array<Promise<void>> = [];
  received = 0;

  private constructor(type: dgram.SocketType) {
    this.socket = dgram.createSocket(type);
    this.socket.on('message', (raw: Buffer, from: dgram.RemoteInfo) => {
      this.received += 1;
      const decoded = decodePacket(raw);
      this.queue.push({ packet: decoded.ok ? decoded.value : undefined, raw, from });
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter?.();
    });
  }

  static async open(address = '127.0.0.1'): Promise<RawPeer> {
    const peer = new RawPeer(address.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve) => peer.socket.bind(0, address, resolve));
    return peer;
  }

  send(datagram: Buffer, port: number, address = '127.0.0.1'): void {
    this.sending.push(
      new Promise<void>((resolve) => this.socket.send(datagram, port, address, () => resolve())),
    );
  }

  /** The next datagram, or undefined after `timeoutMs` of silence. */
  async next(timeoutMs = 2000): Promise<Received | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = (): void => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.queue.shift();
  }

  /** Everything that arrives within `ms`. */
  async drain(ms: number): Promise<Received[]> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.queue.splice(0);
  }

  async close(): Promise<void> {
    await Promise.all(this.sending);
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}

/** Mulberry32: a seeded generator, so a lossy run is the same run every time. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RelayOptions {
  seed: number;
  drop: number;
  duplicate: number;
  delay: number;
  maxDelayMs: number;
}

export interface Relay {
  port: number;
  stats: { forwarded: number; dropped: number; duplicated: number; delayed: number };
  close(): Promise<void>;
}

/**
 * A UDP relay between TFTP clients and a server that drops, duplicates and delays a share
 * of datagrams in both directions. Each server TID gets a relay socket of its own, so the
 * client sees TIDs change the way they do without the relay.
 */
export async function startLossyRelay(serverPort: number, options: RelayOptions): Promise<Relay> {
  const random = seededRandom(options.seed);
  const stats = { forwarded: 0, dropped: 0, duplicated: 0, delayed: 0 };
  const sockets: dgram.Socket[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const open = async (): Promise<dgram.Socket> => {
    const socket = dgram.createSocket('udp4');
    sockets.push(socket);
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return socket;
  };
  let closed = false;
  const send = (from: dgram.Socket, datagram: Buffer, port: number): void => {
    if (closed) return;
    stats.forwarded += 1;
    from.send(datagram, port, '127.0.0.1');
  };
  const forward = (from: dgram.Socket, datagram: Buffer, port: number): void => {
    if (random() < options.drop) {
      stats.dropped += 1;
      return;
    }
    const copies = random() < options.duplicate ? 2 : 1;
    if (copies === 2) stats.duplicated += 1;
    for (let i = 0; i < copies; i += 1) {
      if (random() < options.delay) {
        stats.delayed += 1;
        const timer = setTimeout(
          () => {
            timers.delete(timer);
            send(from, datagram, port);
          },
          Math.floor(random() * options.maxDelayMs),
        );
        timers.add(timer);
      } else {
        send(from, datagram, port);
      }
    }
  };
  const front = await open();
  // client port → the relay socket that talks to the server for that client
  const upstream = new Map<number, Promise<dgram.Socket>>();
  const upstreamFor = (clientPort: number): Promise<dgram.Socket> => {
    let up = upstream.get(clientPort);
    if (up === undefined) {
      up = open().then((socket) => {
        // server TID → relay socket the client sees as that TID
        const faces = new Map<number, Promise<dgram.Socket>>();
        socket.on('message', (reply: Buffer, server: dgram.RemoteInfo) => {
          let face = faces.get(server.port);
          if (face === undefined) {
            face = open().then((created) => {
              created.on('message', (back: Buffer) => forward(socket, back, server.port));
              return created;
            });
            faces.set(server.port, face);
          }
          void face.then((ready) => forward(ready, reply, clientPort));
        });
        return socket;
      });
      upstream.set(clientPort, up);
    }
    return up;
  };
  front.on('message', (datagram: Buffer, client: dgram.RemoteInfo) => {
    void upstreamFor(client.port).then((up) => forward(up, datagram, serverPort));
  });
  return {
    port: (front.address() as { port: number }).port,
    stats,
    async close(): Promise<void> {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      await Promise.all(
        sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))),
      );
    },
  };
}
