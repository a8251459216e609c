// Passive data connections (PASV, EPSV): a listener per transfer that only the control
// connection's client may reach, and what goes over it — a file or a listing.

import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
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

/**
 * Sends the answer from `offset` on the data connection and records its outcome: delivered,
 * or aborted with the bytes that went out. Whether it was delivered.
 */
export async function sendFile(data: Socket, answer: Answer, offset: number): Promise<boolean> {
  let bytes = 0;
  data.on('data', () => undefined);
  try {
    if (answer.body) {
      const body = answer.body.subarray(offset);
      bytes = body.length;
      await new Promise<void>((resolve, reject) => {
        data.once('error', reject);
        data.end(body, resolve);
      });
    } else if (answer.open) {
      const source = answer.open(offset > 0 ? { start: offset, end: answer.size - 1 } : undefined);
      source.on('data', (chunk: Buffer) => (bytes += chunk.length));
      await pump(source, data);
    }
    answer.done({ status: 200, bytes });
    return true;
  } catch {
    data.destroy();
    answer.done({ status: 499, bytes, reason: 'aborted' });
    return false;
  }
}

/** A LIST (`ls -l` lines) or NLST (names only) on the data connection. */
export async function sendListing(data: Socket, verb: string, names: string[]): Promise<void> {
  const lines = names.map((name) => (verb === 'LIST' ? listLine(name, 0) : name));
  const text = lines.length > 0 ? `${lines.join('\r\n')}\r\n` : '';
  await new Promise<void>((resolve) => data.end(text, resolve));
}
