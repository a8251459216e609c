import {
  createServer as createHttpServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

import { pndError } from '../../errors.ts';

import { BodyPace } from './body-pace.ts';
import { secureContextOptions } from './tls-context.ts';
import type { OnLimit } from '../../provisioning/limit-recorder.ts';
import type { Provisioner } from '../../provisioning/request.ts';
import {
  ConnectionSlots,
  DEFAULT_CONNECTION_LIMITS,
  limitConnections,
  type ConnectionLimits,
} from '../connection-slots.ts';
import { acceptSteadily } from '../steady-accept.ts';
import { PhoneConnections } from './phone-connection.ts';
import { replyToPhone } from './phone-reply.ts';
import { provisioningRequest } from './phone-request.ts';
import { lingerOnClose, lingerThenClose } from './linger.ts';
import { answerUpload } from './phone-upload.ts';
export interface HttpDoorOptions {
  provisioner: Provisioner;
  /** Registers the admin API and anything else that is not a phone's file. */
  extend?: (app: FastifyInstance) => Promise<void>;
  /** Tells /healthz whether every door listens. */
  healthy?: () => boolean;
  scheme?: 'http' | 'https';
  /** TLS: the server's key and certificate; with `ca`, clients are asked for a certificate. */
  https?: { key: Buffer; cert: Buffer; ca?: Buffer };
  /** Connections at once, per address, and the time to a request head (docs/security.md). */
  connections?: ConnectionLimits;
  /** Addresses the per-address cap does not apply to (trusted proxies), read at each accept. */
  exempt?: (address: string) => boolean;
  onLimit?: OnLimit;
}

const SERVER_OPTIONS = {
  // Phones open a connection per file; idle sockets are closed soon so a storm cannot pin them.
  keepAliveTimeout: 5_000,
  // No deadline for a whole request: a large upload on a slow link takes what it takes, and
  // a body that stalls or crawls is cut by its pace instead (body-pace.ts).
  requestTimeout: 0,
  maxHeaderSize: 16 * 1024,
  noDelay: true,
};

/** A reply that makes no progress (the phone stopped reading) for this long is cut. */
const REPLY_STALL_MS = 60_000;

type DoorTiming = typeof SERVER_OPTIONS & {
  headersTimeout: number;
  handshakeTimeout: number;
  connectionsCheckingInterval: number;
};

/** node:http's and node:tls's options with the door's time to a request head. */
function serverOptions(headerTimeoutMs: number): DoorTiming {
  return {
    ...SERVER_OPTIONS,
    headersTimeout: headerTimeoutMs,
    handshakeTimeout: headerTimeoutMs,
    // How often node:http looks for heads past their deadline (its default is 30 s).
    connectionsCheckingInterval: 1000,
  };
}

/**
 * The HTTP door. Phone requests are the hot path of a boot storm: each connection starts on
 * the lean phone reader (phone-connection.ts), straight to the pipeline; whatever it does not
 * take — the admin API (/api/…, through fastify), /healthz, anything unusual — goes on to
 * node:http with the bytes already read. This adapter only speaks HTTP (validators, HEAD,
 * ranges) and reports how each transfer ended.
 */
export async function buildHttpDoor(options: HttpDoorOptions): Promise<FastifyInstance> {
  const scheme = options.scheme ?? 'http';
  const limits = options.connections ?? DEFAULT_CONNECTION_LIMITS;
  const slots = new ConnectionSlots({
    door: scheme,
    limits,
    ...(options.exempt ? { exempt: options.exempt } : {}),
    ...(options.onLimit ? { onLimit: options.onLimit } : {}),
  });
  const timing = serverOptions(limits.headerTimeoutMs);
  const pace = new BodyPace({
    door: scheme,
    stallMs: limits.headerTimeoutMs,
    ...(options.onLimit ? { onLimit: options.onLimit } : {}),
  });
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
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
    serverFactory: (handler) => {
      const route = (request: IncomingMessage, response: ServerResponse): void => {
        pace.watch(request, response);
        const url = request.url ?? '/';
        if (url.startsWith('/api/') || url === '/healthz' || isMetrics(url))
          handler(request, response);
        else phone(request, response);
      };
      const server = options.https
        ? createHttpsServer({ ...timing, ...tlsOptions(options.https) }, route)
        : createHttpServer(timing, route);
      takePhoneConnections(server, options.provisioner, scheme, timing, slots);
      limitConnections(server, slots);
      return server;
    },
  });

  // A refusal answered before its body was read (401, 413, 404 on the API) closes the
  // connection rather than reading a body of any size to keep it alive.
  app.addHook('onSend', async (request, reply, payload) => {
    closeIfBodyUnread(request.raw, reply.raw);
    return payload;
  });

  app.get('/healthz', async (_request, reply) => {
    const healthy = options.healthy?.() ?? true;
    return reply.code(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'starting' });
  });
  if (options.extend) await options.extend(app);
  return app;
}

/**
 * Puts the lean phone reader in front of node:http: the server's own connection listener
 * (on `secureConnection` for TLS) gets only the connections the reader hands over.
 */
function takePhoneConnections(
  server: Server,
  provisioner: Provisioner,
  scheme: 'http' | 'https',
  timing: DoorTiming,
  slots: ConnectionSlots,
): void {
  acceptSteadily(server);
  const event = scheme === 'https' ? 'secureConnection' : 'connection';
  const nodeListeners = server.listeners(event) as ((socket: Socket) => void)[];
  server.removeAllListeners(event);
  const phones = new PhoneConnections({
    provisioner,
    scheme,
    keepAliveMs: timing.keepAliveTimeout,
    headersMs: timing.headersTimeout,
    stallMs: REPLY_STALL_MS,
    maxHeadBytes: timing.maxHeaderSize,
    onTurn: (socket, busy) => (busy ? slots.busy(socket) : slots.idle(socket)),
    handOver: (socket, pending) => {
      if (pending !== undefined) socket.unshift(pending);
      for (const listener of nodeListeners) listener.call(server, socket);
    },
  });
  server.on(event, (socket: Socket) => phones.accept(socket));
  // fastify's close ends node:http's idle connections through this method; ours go too.
  const closeIdle = server.closeIdleConnections.bind(server);
  server.closeIdleConnections = (): void => {
    phones.closeIdle();
    closeIdle();
  };
  // Past a shutdown's deadline, replies still under way are cut off too.
  const closeAll = server.closeAllConnections.bind(server);
  server.closeAllConnections = (): void => {
    phones.closeAll();
    closeAll();
  };
}

function isMetrics(url: string): boolean {
  return url === '/metrics' || url.startsWith('/metrics?');
}

/** A phone request node:http parsed (one the lean reader handed over). */
async function answerPhone(
  provisioner: Provisioner,
  scheme: 'http' | 'https',
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const method = request.method;
  // Phones upload logs and overrides; the pipeline decides which and how much it takes.
  if (method === 'PUT') return answerUpload(provisioner, scheme, request, response);
  if (method !== 'GET' && method !== 'HEAD') {
    closeIfBodyUnread(request, response);
    response.writeHead(405, { allow: 'GET, HEAD', 'content-length': 0 });
    response.end();
    return;
  }
  const forwarded = request.headers['x-forwarded-for'];
  const answer = await provisioner.answer(
    provisioningRequest(
      {
        method,
        target: request.url ?? '/',
        host: request.headers.host,
        userAgent: request.headers['user-agent'],
        authorization: request.headers.authorization,
        forwardedFor: Array.isArray(forwarded) ? forwarded.join(',') : forwarded,
      },
      scheme,
      request.socket,
    ),
  );
  // Phones send no bodies: one that came with a GET is not read to its end either.
  closeIfBodyUnread(request, response);
  await replyToPhone(request, response, answer);
}

/** What is still read of a body after its request was answered, before the connection closes. */
const UNREAD_BODY_BYTES = 64 * 1024;
/** What is read and dropped after a request node:http could not parse. */
const UNPARSED_BYTES = 1024 * 1024;

/**
 * Answers with `Connection: close` when the request's body has not been read, and closes
 * gently (lingerOnClose): the reply is sent, then a bounded rest of the body is read and
 * dropped before the socket goes, so the client sees the answer
 * rather than a reset. node:http alone would read the whole body, whatever its length, to
 * keep the connection alive.
 */
function closeIfBodyUnread(request: IncomingMessage, response: ServerResponse): void {
  if (request.complete || response.headersSent) return;
  const headers = request.headers;
  // A small declared body is read and dropped as before; the connection stays.
  const declared = Number(headers['content-length'] ?? 0);
  if (headers['transfer-encoding'] === undefined && !(declared > UNREAD_BODY_BYTES)) return;
  response.setHeader('connection', 'close');
  lingerOnClose(request.socket);
}

/** node:http's own answers to a request it could not parse. */
const CLIENT_ERROR_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * A request node:http could not parse (a head over the limit, garbage) gets its 4xx and a
 * graceful close. fastify's handler (like Node's) destroys the socket right after writing:
 * with the rest of the client's request unread, the kernel answers with a reset, which can
 * overtake the 431 the client was about to read (it did on Node 24, every time).
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  const message = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || message?.headersSent) {
    socket.destroy();
    return;
  }
  const status = CLIENT_ERROR_STATUS[error.code ?? ''] ?? 400;
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
  );
  socket.removeAllListeners('data');
  // What the client already sent of its oversized head arrives after the answer: read and
  // drop it (bounded), so the close is a FIN the client reads after the answer, not a reset.
  lingerThenClose(socket, UNPARSED_BYTES);
  socket.resume();
}

/**
 * What fastify refuses before routing (a path that is not valid percent-encoding, `%zz`) is
 * answered from the catalogue: its own answer quoted the whole URL, query and any token in
 * it included, before the token was even checked.
 */
export function answerFrameworkError(
  error: Error & { code?: string },
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const refused =
    error.code === 'FST_ERR_BAD_URL'
      ? pndError('PND_INVALID_PATH', 'the request path is not valid percent-encoding')
      : pndError('PND_INVALID_ARGUMENT', 'the request could not be routed');
  void reply.code(refused.status).send(refused.toJSON());
}

/**
 * TLS 1.2 and 1.3 only. With CA bundles, every client is asked for a certificate but none
 * is turned away here: the access policy decides, per device, what a certificate opens.
 */
function tlsOptions(tls: { key: Buffer; cert: Buffer; ca?: Buffer }): Record<string, unknown> {
  return {
    ...secureContextOptions(tls),
    ...(tls.ca ? { requestCert: true, rejectUnauthorized: false } : {}),
  };
}
