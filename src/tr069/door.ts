// The ACS door: node:http (or node:https) ↔ the ACS. It reads bounded bodies, keeps the
// session cookie, writes 401 challenges and 204 ends; everything CWMP is in acs.ts.

import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

import { challengeHeaders, parseAuthorization } from '../crypto/http-auth.ts';
import type { OnLimit } from '../provisioning/limit-recorder.ts';
import { lingerOnClose } from '../transports/http/linger.ts';
import {
  ConnectionSlots,
  DEFAULT_CONNECTION_LIMITS,
  limitConnections,
  type ConnectionLimits,
} from '../transports/connection-slots.ts';
import { acceptSteadily } from '../transports/steady-accept.ts';
import type { Acs, CwmpHttpReply } from './acs.ts';
import { MAX_ENVELOPE_BYTES } from './soap.ts';

export const SESSION_COOKIE = 'plugndial-cwmp';

export interface AcsDoor {
  address: AddressInfo;
  close(): Promise<void>;
}

export async function startAcsDoor(options: {
  acs: Acs;
  host: string;
  port: number;
  tls?: { key: Buffer; cert: Buffer };
  /** Connections at once, per address, and the time to a request head (docs/security.md). */
  connections?: ConnectionLimits;
  /** Addresses the per-address caps, of connections and of sessions, do not apply to (trusted proxies). */
  exempt?: (address: string) => boolean;
  onLimit?: OnLimit;
}): Promise<AcsDoor> {
  const scheme = options.tls ? 'https' : 'http';
  const limits = options.connections ?? DEFAULT_CONNECTION_LIMITS;
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    void answer(options.acs, scheme, request, response, options.exempt).catch(() => {
      if (!response.headersSent) response.writeHead(500, { 'content-length': 0 });
      response.end();
    });
  };
  const serverOptions = {
    // A session spans several requests, with the CPE's downloads in between.
    keepAliveTimeout: 30_000,
    // node:http refuses a head deadline past the whole request's.
    requestTimeout: Math.max(30_000, limits.headerTimeoutMs),
    headersTimeout: limits.headerTimeoutMs,
    handshakeTimeout: limits.headerTimeoutMs,
    // How often node:http looks for heads past their deadline (its default is 30 s).
    connectionsCheckingInterval: 1000,
    maxHeaderSize: 16 * 1024,
  };
  const server: Server = options.tls
    ? createHttpsServer({ ...serverOptions, ...options.tls, minVersion: 'TLSv1.2' }, handler)
    : createHttpServer(serverOptions, handler);
  server.maxRequestsPerSocket = 100;
  acceptSteadily(server);
  limitConnections(
    server,
    new ConnectionSlots({
      door: 'acs',
      limits,
      ...(options.exempt ? { exempt: options.exempt } : {}),
      ...(options.onLimit ? { onLimit: options.onLimit } : {}),
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    address: server.address() as AddressInfo,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(
  acs: Acs,
  scheme: 'http' | 'https',
  request: IncomingMessage,
  response: ServerResponse,
  proxy: ((address: string) => boolean) | undefined,
): Promise<void> {
  if (request.method !== 'POST') {
    request.resume();
    response.writeHead(405, { allow: 'POST', 'content-length': 0 });
    response.end();
    return;
  }
  const body = await readBody(request);
  if (!body) {
    // The rest of the body is still coming: a plain close would be a reset that can overtake
    // the 413 (it did under load).
    lingerOnClose(request.socket);
    response.writeHead(413, { 'content-length': 0, connection: 'close' });
    response.end();
    request.socket.destroySoon();
    return;
  }
  const credentials = parseAuthorization(request.headers.authorization);
  const sessionId = cookie(request.headers.cookie);
  const forwarded = request.headers['x-forwarded-for'];
  const forwardedFor = Array.isArray(forwarded) ? forwarded.join(',') : forwarded;
  const userAgent = request.headers['user-agent'];
  const local = plainAddress(request.socket.localAddress);
  const remote = plainAddress(request.socket.remoteAddress);
  const reply = await acs.answer({
    body,
    connection: request.socket,
    remoteAddress: remote,
    ...(proxy?.(remote) ? { proxied: true } : {}),
    localAddress: local,
    origin: `${scheme}://${local.includes(':') ? `[${local}]` : local}:${request.socket.localPort ?? 0}`,
    rawPath: (request.url ?? '/').split('?')[0]!,
    method: 'POST',
    ...(sessionId ? { sessionId } : {}),
    ...(credentials ? { credentials } : {}),
    ...(userAgent ? { userAgent } : {}),
    ...(forwardedFor ? { forwardedFor: forwardedFor.slice(0, 1024) } : {}),
  });
  write(response, reply);
}

function write(response: ServerResponse, reply: CwmpHttpReply): void {
  const headers: Record<string, string | number | string[]> = {};
  if (reply.sessionId)
    headers['set-cookie'] = `${SESSION_COOKIE}=${reply.sessionId}; Path=/; HttpOnly`;
  if (reply.close) headers['connection'] = 'close';
  if (reply.challenge) headers['www-authenticate'] = challengeHeaders(reply.challenge);
  if (reply.retryAfter !== undefined) headers['retry-after'] = reply.retryAfter;
  const body = reply.body ? Buffer.from(reply.body) : undefined;
  if (body) headers['content-type'] = 'text/xml; charset="utf-8"';
  headers['content-length'] = body?.length ?? 0;
  response.writeHead(reply.status, headers);
  response.end(body);
}

/** The whole body (Content-Length or chunked), or undefined past the limit. */
function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > MAX_ENVELOPE_BYTES) {
      request.resume();
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_ENVELOPE_BYTES) {
        request.removeAllListeners('data');
        request.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(size > MAX_ENVELOPE_BYTES ? undefined : Buffer.concat(chunks)));
    request.on('error', () => resolve(undefined));
  });
}

function cookie(header: string | undefined): string | undefined {
  if (!header || header.length > 4096) return undefined;
  for (const part of header.split(';')) {
    const [name, value] = part.trim().split('=', 2);
    if (name === SESSION_COOKIE && value && /^[A-Za-z0-9_-]{1,64}$/.test(value)) return value;
  }
  return undefined;
}

function plainAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
