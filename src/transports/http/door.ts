import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';

import Fastify, { type FastifyInstance } from 'fastify';

import { parseAuthorization } from '../../crypto/http-auth.ts';
import type { ClientCertificate, Provisioner } from '../../provisioning/request.ts';
import { replyToPhone } from './phone-reply.ts';

export interface HttpDoorOptions {
  provisioner: Provisioner;
  /** Registers the admin API and anything else that is not a phone's file. */
  extend?: (app: FastifyInstance) => Promise<void>;
  /** Tells /healthz whether every door listens. */
  healthy?: () => boolean;
  scheme?: 'http' | 'https';
  /** TLS: the server's key and certificate; with `ca`, clients are asked for a certificate. */
  https?: { key: Buffer; cert: Buffer; ca?: Buffer };
}

const SERVER_OPTIONS = {
  // Phones open a connection per file; idle sockets are closed soon so a storm cannot pin them.
  keepAliveTimeout: 5_000,
  requestTimeout: 60_000,
  headersTimeout: 30_000,
  maxHeaderSize: 16 * 1024,
  noDelay: true,
};

/**
 * The HTTP door. Phone requests are the hot path of a boot storm, so they go straight
 * from node:http to the pipeline; the admin API (/api/…) and /healthz go through fastify.
 * This adapter only speaks HTTP (validators, HEAD, ranges) and reports how each transfer ended.
 */
export async function buildHttpDoor(options: HttpDoorOptions): Promise<FastifyInstance> {
  const scheme = options.scheme ?? 'http';
  const phone = (request: IncomingMessage, response: ServerResponse): void => {
    void answerPhone(options.provisioner, scheme, request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  };
  const app = Fastify({
    logger: false,
    routerOptions: { maxParamLength: 1024 },
    bodyLimit: 10 * 1024 * 1024,
    return503OnClosing: true,
    serverFactory: (handler) => {
      const route = (request: IncomingMessage, response: ServerResponse): void => {
        const url = request.url ?? '/';
        if (url.startsWith('/api/') || url === '/healthz') handler(request, response);
        else phone(request, response);
      };
      return options.https
        ? createHttpsServer(tlsOptions(options.https), route)
        : createHttpServer(SERVER_OPTIONS, route);
    },
  });

  app.get('/healthz', async (_request, reply) => {
    const healthy = options.healthy?.() ?? true;
    return reply.code(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'starting' });
  });
  if (options.extend) await options.extend(app);
  return app;
}

async function answerPhone(
  provisioner: Provisioner,
  scheme: 'http' | 'https',
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-length': 0 });
    response.end();
    return;
  }
  const raw = request.url ?? '/';
  const q = raw.indexOf('?');
  const userAgent = request.headers['user-agent'];
  const credentials = parseAuthorization(request.headers.authorization);
  const forwarded = request.headers['x-forwarded-for'];
  const forwardedFor = Array.isArray(forwarded) ? forwarded.join(',') : forwarded;
  const certificate =
    scheme === 'https' ? clientCertificate(request.socket as TLSSocket) : undefined;
  const answer = await provisioner.answer({
    transport: scheme,
    rawPath: q < 0 ? raw : raw.slice(0, q),
    query: q < 0 ? '' : raw.slice(q + 1),
    remoteAddress: plainAddress(request.socket.remoteAddress),
    origin: `${scheme}://${hostOf(request)}`,
    method: request.method,
    ...(userAgent ? { userAgent } : {}),
    ...(credentials ? { credentials } : {}),
    ...(forwardedFor ? { forwardedFor: forwardedFor.slice(0, 1024) } : {}),
    ...(certificate ? { clientCertificate: certificate } : {}),
  });
  await replyToPhone(request, response, answer);
}

/**
 * TLS 1.2 and 1.3 only. With CA bundles, every client is asked for a certificate but none
 * is turned away here: the access policy decides, per device, what a certificate opens.
 */
function tlsOptions(tls: { key: Buffer; cert: Buffer; ca?: Buffer }): Record<string, unknown> {
  return {
    ...SERVER_OPTIONS,
    key: tls.key,
    cert: tls.cert,
    minVersion: 'TLSv1.2',
    ...(tls.ca ? { ca: tls.ca, requestCert: true, rejectUnauthorized: false } : {}),
  };
}

/** The facts of the client's certificate, if it sent one. */
function clientCertificate(socket: TLSSocket): ClientCertificate | undefined {
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const peer = socket.getPeerCertificate(false);
  if (!peer || Object.keys(peer).length === 0) return undefined;
  const cn = peer.subject?.CN as string | string[] | undefined;
  return {
    verified: socket.authorized,
    ...(cn ? { commonName: Array.isArray(cn) ? cn[0]! : cn } : {}),
    altNames: (peer.subjectaltname ?? '').split(', ').filter(Boolean).slice(0, 32),
  };
}

/**
 * The Host the phone used, which rendered files point back to. Anything that is not a
 * plain host[:port] is replaced by our own address, so a forged header cannot inject text.
 */
function hostOf(request: IncomingMessage): string {
  const host = request.headers.host;
  if (host && host.length <= 260 && /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(host)) {
    return host;
  }
  const local = request.socket.localAddress ?? '127.0.0.1';
  const address = plainAddress(local);
  const port = request.socket.localPort;
  return `${address.includes(':') ? `[${address}]` : address}${port ? `:${port}` : ''}`;
}

function plainAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
