import { timingSafeEqual } from 'node:crypto';

import type { ErrorObject } from 'ajv';
import type { FastifyInstance } from 'fastify';

import { asPlugndialError, isPlugndialError, pndError } from '../errors.ts';
import { SETTINGS_SCHEMA } from '../model/settings.ts';
import type { ServerFacts } from '../management/check.ts';
import { asWarnings, checkScope, type CheckContext, type Warn } from '../management/check-scope.ts';
import { DeviceIndex } from '../management/device-index.ts';
import { drivers } from '../drivers/registry.ts';
import type { ProvisioningPipeline } from '../provisioning/pipeline.ts';
import type { EventRecorder } from '../provisioning/recorder.ts';
import type { CheckSync } from '../sip/check-sync.ts';
import type { Store } from '../store/store.ts';
import { accessRoutes } from './access-routes.ts';
import { archiveRoutes } from './archive-routes.ts';
import { catalogueRoutes } from './catalogue-routes.ts';
import { deviceRoutes } from './device-routes.ts';
import { eventRoutes } from './event-routes.ts';
import { fileRoutes } from './file-routes.ts';
import { OpenApiDocument } from './openapi.ts';
import { profileRoutes } from './profile-routes.ts';
import { ANY_OBJECT, list, replies } from './schemas.ts';
import { sipRoutes } from './sip-routes.ts';
import { checkRoutes } from './check-routes.ts';
import { RefusalTally } from './refusal-tally.ts';
import { compileRequestSchema, compileResponseSchema, validationError } from './validation.ts';
import { fleetRoutes } from './fleet-routes.ts';
import { liveRoutes } from './live-routes.ts';
import { sessionRoutes } from './session-routes.ts';
import type { ConsoleSessions } from './sessions.ts';

export interface AdminApiOptions {
  store: Store;
  pipeline: ProvisioningPipeline;
  recorder: EventRecorder;
  /** The bearer token every request must carry. */
  token: string;
  now: () => Date;
  /** Sends check-sync NOTIFYs; a local command without a server gets its own. */
  checkSync?: CheckSync;
  /** The running server's doors and public URL, for `plugndial check`; none without a server. */
  server?: () => ServerFacts | undefined;
  /** Devices as `plugndial check` sees them, shared by the server's doors; else one of its own. */
  deviceIndex?: DeviceIndex;
  /** Console sessions, on the admin listener only: there a session cookie stands for the token. */
  sessions?: ConsoleSessions;
}

/** The REST admin API under /api/v1. Every management command goes through it. */
export async function adminApi(app: FastifyInstance, options: AdminApiOptions): Promise<void> {
  const { store, pipeline, now } = options;
  const expected = Buffer.from(`Bearer ${options.token}`);
  // Before any route: each one is described as it is registered.
  const openApi = new OpenApiDocument(app);
  app.setValidatorCompiler(compileRequestSchema);
  app.setSerializerCompiler(compileResponseSchema);

  app.addContentTypeParser(
    'text/csv',
    { parseAs: 'string', bodyLimit: 50 * 1024 * 1024 },
    (_req, body, done) => done(null, body),
  );
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) =>
    done(null, payload),
  );

  const sessions = options.sessions;
  const refusals = new RefusalTally();
  app.addHook('onRequest', async (request, reply) => {
    // The API's own description is public; nothing else is, whatever its path or query ends in.
    if (
      (request.method === 'GET' || request.method === 'HEAD') &&
      request.routeOptions.url === `${app.prefix}/openapi.json`
    )
      return;
    // Where the console lives, a request without the token may be the console's, by its session.
    if (sessions && request.headers.authorization === undefined) {
      // Signing in checks the token it is given, and where the request came from, itself.
      if (request.method === 'POST' && request.routeOptions.url === `${app.prefix}/session`) return;
      const verdict = sessions.authorise({
        method: request.method,
        headers: request.headers,
        host: request.host,
      });
      if ('error' in verdict) await reply.code(verdict.error.status).send(verdict.error.toJSON());
      return;
    }
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      const recorded = refusals.refused(request.ip, now().getTime());
      if (recorded) {
        await store
          .appendSecurityEvents([
            {
              at: now().toISOString(),
              kind: 'admin-token-refused',
              address: request.ip,
              ...recorded,
            },
          ])
          .catch(() => {});
      }
      await reply.code(401).send({
        code: 'PND_UNAUTHORIZED',
        message: 'missing or wrong bearer token; it is in the data directory (admin-token)',
      });
    }
  });

  // Answers carry devices, settings and, asked for, secrets: no cache between the operator and
  // the server may keep one, and no browser may read a JSON or CSV answer as a page.
  app.addHook('onSend', async (_request, reply) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
  });

  app.setErrorHandler(async (error, _request, reply) => {
    const failed = error as {
      statusCode?: number;
      validation?: ErrorObject[];
      validationContext?: 'body' | 'querystring' | 'params' | 'headers';
    };
    const pnd = isPlugndialError(error)
      ? error
      : failed.validation && failed.validationContext
        ? validationError(failed.validation, failed.validationContext)
        : failed.statusCode && failed.statusCode < 500
          ? pndError('PND_INVALID_ARGUMENT', (error as Error).message.slice(0, 300))
          : asPlugndialError(error);
    await reply.code(pnd.status).send(pnd.toJSON());
  });

  app.setNotFoundHandler(async (request, reply) => {
    await reply.code(404).send({
      code: 'PND_NOT_FOUND',
      message: `no API route ${request.method} ${request.url.split('?')[0]?.slice(0, 120)}; see /api/v1/openapi.json`,
    });
  });

  const index = options.deviceIndex ?? new DeviceIndex(store);
  if (!options.deviceIndex) app.addHook('onClose', async () => index.close());
  const checkContext = (): CheckContext => {
    const server = options.server?.();
    return { store, drivers, index, ...(server ? { server } : {}) };
  };
  const warn: Warn = async (scope) => asWarnings(await checkScope(checkContext(), scope));

  await sipRoutes(app, {
    store,
    recorder: options.recorder,
    now,
    warn,
    ...(options.checkSync ? { checkSync: options.checkSync } : {}),
  });

  await catalogueRoutes(app, { store, warn });
  await checkRoutes(app, { store, context: checkContext });
  await archiveRoutes(app, { store, recorder: options.recorder, now });
  await accessRoutes(app, { store, recorder: options.recorder, now });
  await sessionRoutes(app, {
    store,
    token: options.token,
    now,
    ...(sessions ? { sessions } : {}),
  });
  await fleetRoutes(app, { store, recorder: options.recorder, now });
  await liveRoutes(app, { store, ...(sessions ? { sessions } : {}) });

  app.get(
    '/openapi.json',
    {
      schema: {
        summary: 'this document, generated from the route schemas',
        response: replies(200, ANY_OBJECT),
      },
    },
    async () => openApi.document(),
  );
  app.get(
    '/settings',
    {
      schema: {
        summary: 'the canonical settings schema: one entry per key pattern',
        response: replies(200, list(ANY_OBJECT)),
      },
    },
    async () => SETTINGS_SCHEMA,
  );

  await deviceRoutes(app, { store, pipeline, recorder: options.recorder, now, warn });
  await profileRoutes(app, { store, now, warn });
  await fileRoutes(app, { store });
  await eventRoutes(app, { store, recorder: options.recorder });
}
