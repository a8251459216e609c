// Passive data connections (PASV, EPSV): a listener per transfer that only the control
// connection's client may reach, and what goes over it — a file or a listing.

import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline as pump } from 'node:stream/promises';

import type { Answer } from '../../provisioning/request.ts';
import { acceptSteadily } from '../steady-accept.ts';
import { listLine, plainAddress } from './commands.ts';

/** Passive data ports; without a range the system picks. */
export interface PassivePorts {
  from: number;
  to: number;
}

/** One passive data listener: the first connection from the control's address wins. */
export class Passive {
  readonly port: number;
  readonly #server: Server;
  readonly #accepted: Promise<Socket>;
  #socket: Socket | undefined;

  private constructor(server: Server, port: number, accepted: Promise<Socket>) {
    this.#server = server;
    this.port = port;
    this.#accepted = accepted;
    void accepted.then((socket) => (this.#socket = socket)).catch(() => undefined);
  }

  static async open(
    host: string,
    client: string,
    range: PassivePorts | undefined,
  ): Promise<Passive | undefined> {
    let accept: (socket: Socket) => void = () => undefined;
    const accepted = new Promise<Socket>((resolve) => (accept = resolve));
    let taken = false;
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      // Only the client that asked may connect: no one else's download through this port.
      if (taken || plainAddress(socket.remoteAddress) !== client) {
        socket.destroy();
        return;
      }
      taken = true;
      accept(socket);
      server.close();
    });
    server.on('error', () => undefined);
    acceptSteadily(server);
    for (const port of candidatePorts(range)) {
      const bound = await new Promise<boolean>((resolve) => {
        const onError = (): void => resolve(false);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          resolve(true);
        });
      });
      if (bound) return new Passive(server, (server.address() as AddressInfo).port, accepted);
    }
    return undefined;
  }

  async socket(timeoutMs: number): Promise<Socket | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    try {
      return await Promise.race([this.#accepted, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.#server.close();
    this.#socket?.destroy();
  }
}

function* candidatePorts(range: PassivePorts | undefined): Generator<number> {
  if (!range) {
    yield 0;
    return;
  }
  const count = range.to - range.from + 1;
  const start = Math.floor(Math.random() * count);
  // Bounded: a range full of busy ports is tried at most 64 times.
  for (let i = 0; i < Math.min(count, 64); i++) yield range.from + ((start + i) % count);
}

/** How a file's transfer ended: taken whole, cut (ABOR, the client closed), or stalled. */
export type Delivery = 'delivered' | 'aborted' | 'stalled';

/** Written a piece at a time, so that a slow reader's progress shows between pieces. */
const PIECE = 64 * 1024;

/**
 * Sends the answer from `offset` on the data connection and records its outcome: delivered,
 * or cut with the bytes that went out. A client that takes no byte for `stallMs` is cut.
 */
export async function sendFile(
  data: Socket,
  answer: Answer,
  offset: number,
  stallMs: number,
): Promise<Delivery> {
  let bytes = 0;
  data.on('data', () => undefined);
  const watch = watchStall(data, stallMs);
  try {
    if (answer.body) {
      const body = answer.body.subarray(offset);
      bytes = body.length;
      await pump(Readable.from(pieces(body)), data);
    } else if (answer.open) {
      const source = answer.open(offset > 0 ? { start: offset, end: answer.size - 1 } : undefined);
      source.on('data', (chunk: Buffer) => (bytes += chunk.length));
      await pump(source, data);
    }
    answer.done({ status: 200, bytes });
    return 'delivered';
  } catch {
    data.destroy();
    if (watch.stalled()) {
      answer.done({ status: 408, bytes, reason: `stalled: no byte taken for ${stallMs / 1000} s` });
      return 'stalled';
    }
    answer.done({ status: 499, bytes, reason: 'aborted' });
    return 'aborted';
  } finally {
    watch.stop();
  }
}

/** A LIST (`ls -l` lines) or NLST (names only) on the data connection; whether it all went. */
export async function sendListing(
  data: Socket,
  verb: string,
  names: string[],
  stallMs: number,
): Promise<boolean> {
  const lines = names.map((name) => (verb === 'LIST' ? listLine(name, 0) : name));
  const text = lines.length > 0 ? `${lines.join('\r\n')}\r\n` : '';
  const watch = watchStall(data, stallMs);
  try {
    await pump(Readable.from(pieces(Buffer.from(text))), data);
    return true;
  } catch {
    data.destroy();
    return false;
  } finally {
    watch.stop();
  }
}

function* pieces(bytes: Buffer): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += PIECE) yield bytes.subarray(at, at + PIECE);
}

/**
 * Destroys `data` once its client has taken no byte for `stallMs`: a reader that never reads
 * would otherwise hold the transfer, and with it its session, for ever. Looked at four times
 * per `stallMs`, so the cut comes at most a quarter late.
 */
function watchStall(data: Socket, stallMs: number): { stalled(): boolean; stop(): void } {
  // Bytes the kernel took; what is still queued in the socket has not gone anywhere.
  const taken = (): number => data.bytesWritten - data.writableLength;
  let last = taken();
  let since = Date.now();
  let stalled = false;
  const timer = setInterval(
    () => {
      const now = taken();
      if (now !== last) {
        last = now;
        since = Date.now();
      } else if (Date.now() - since >= stallMs) {
        stalled = true;
        data.destroy(new Error(`no byte taken for ${stallMs / 1000} s`));
      }
    },
    Math.max(stallMs / 4, 10),
  );
  timer.unref();
  return { stalled: () => stalled, stop: () => clearInterval(timer) };
}
