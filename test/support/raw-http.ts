import { connect, type Socket } from 'node:net';

/** One response as it came off the wire. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Sends `text` down one connection as it is (pipelined requests, malformed ones) and reads
 * responses until the server closes it: HTTP/1.1 framed by Content-Length only, which is all
 * plugndial sends to phones and the API. Bounded: gives up after `timeoutMs`.
 */
export async function pipelined(
  port: number,
  text: string,
  options: { host?: string; localAddress?: string; timeoutMs?: number } = {},
): Promise<{ responses: RawResponse[]; rest: Buffer }> {
  const socket = connect({
    port,
    host: options.host ?? '127.0.0.1',
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
  });
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(`the server did not close the connection in ${options.timeoutMs ?? 10_000} ms`),
      );
    }, options.timeoutMs ?? 10_000);
    socket.once('connect', () => socket.write(text, 'latin1'));
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on('error', () => undefined);
  });
  return parseResponses(Buffer.concat(chunks));
}

export function parseResponses(bytes: Buffer): { responses: RawResponse[]; rest: Buffer } {
  const responses: RawResponse[] = [];
  let at = 0;
  for (;;) {
    const end = bytes.indexOf('\r\n\r\n', at, 'latin1');
    if (end < 0) break;
    const lines = bytes.toString('latin1', at, end).split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1]);
    if (!Number.isInteger(status)) break;
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const bodyStart = end + 4;
    if (bytes.length < bodyStart + length) break;
    responses.push({ status, headers, body: bytes.subarray(bodyStart, bodyStart + length) });
    at = bodyStart + length;
  }
  return { responses, rest: bytes.subarray(at) };
}

/** Connects and resolves once connected. */
export function connected(port: number, localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}
