import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

import Fastify, { type FastifyInstance } from 'fastify';

import type { Provisioner } from '../../provisioning/request.ts';
import { replyToPhone } from './phone-reply.ts';

export interface HttpDoorOptions {
  provisioner: Provisioner;
  /** Registers the admin API and anything else that is not a phone's file. */
  extend?: (app: FastifyInstance) => Promise<void>;
  /** Tells /healthz whether every door listens. */
  healthy?: () => boolean;
  scheme?: 'http' | 'https';
  https?: { key: Buffer; cert: Buffer };
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
        ? createHttpsServer({ ...SERVER_OPTIONS, ...options.https, minVersion: 'TLSv1.2' }, route)
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
  const answer = await provisioner.answer({
    transport: scheme,
    rawPath: q < 0 ? raw : raw.slice(0, q),
    query: q < 0 ? '' : raw.slice(q + 1),
    remoteAddress: plainAddress(request.socket.remoteAddress),
    origin: `${scheme}://${hostOf(request)}`,
    ...(userAgent ? { userAgent } : {}),
  });
  await replyToPhone(request, response, answer);
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
