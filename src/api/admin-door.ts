import { randomBytes } from 'node:crypto';

import Fastify, { type FastifyInstance } from 'fastify';

import { consoleRoutes } from './console-files.ts';
import { ConsoleSessions } from './sessions.ts';
import type { OnLimit } from '../provisioning/limit-recorder.ts';
import { DEFAULT_CONNECTION_LIMITS } from '../transports/connection-slots.ts';
import { BodyPace } from '../transports/http/body-pace.ts';
import { answerClientError, answerFrameworkError } from '../transports/http/door.ts';

export interface AdminDoorOptions {
  /** Registers the admin API (under /api/v1) with the console's sessions. */
  api: (app: FastifyInstance, sessions: ConsoleSessions) => Promise<void>;
  /** Tells /healthz whether every door listens. */
  healthy?: () => boolean;
  /** Console sessions; made here unless given (tests give one with their own clock). */
  sessions?: ConsoleSessions;
  /** The console's folder (tests). */
  consoleFolder?: string;
  /** An upload that sends nothing for this long, or crawls past it, is cut (body-pace.ts). */
  bodyStallMs?: number;
  /** Told of each body cut for its pace. */
  onLimit?: OnLimit;
}

/**
 * The admin listener: the operator console under /console/ and the admin API, on an address of
 * its own (loopback by default) so the console is not on the phones' network, and nothing here
 * is a phone's file. A console session cookie stands for the admin token here only.
 */
export async function buildAdminDoor(options: AdminDoorOptions): Promise<FastifyInstance> {
  // Cookies are shared by every port of a host: a name of this process keeps two servers apart.
  const sessions =
    options.sessions ??
    new ConsoleSessions({ cookieName: `plugndial-${randomBytes(4).toString('hex')}` });
  const app = Fastify({
    logger: false,
    routerOptions: { maxParamLength: 1024 },
    bodyLimit: 10 * 1024 * 1024,
    return503OnClosing: true,
    // A request node:http cannot parse gets its 4xx before a gentle close, as on the phones' door.
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
    // Server-sent event streams stay open; closing the listener must not wait for them.
    forceCloseConnections: true,
    requestTimeout: 0,
  });
  // No deadline for a whole request (node:http's would cut a large firmware image on a slow
  // link): an upload is held to its pace instead.
  const pace = new BodyPace({
    door: 'http',
    // As the phones' doors' head deadline unless told (--http-header-timeout).
    stallMs: options.bodyStallMs ?? DEFAULT_CONNECTION_LIMITS.headerTimeoutMs,
    ...(options.onLimit ? { onLimit: options.onLimit } : {}),
  });
  app.addHook('onRequest', (request, reply, done) => {
    pace.watch(request.raw, reply.raw);
    done();
  });
  app.get('/healthz', async (_request, reply) => {
    const healthy = options.healthy?.() ?? true;
    return reply.code(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'starting' });
  });
  await app.register(async (instance) => options.api(instance, sessions));
  await app.register(async (instance) =>
    consoleRoutes(instance, options.consoleFolder ? { folder: options.consoleFolder } : {}),
  );
  return app;
}
