import type { Readable } from 'node:stream';

import type { FastifyInstance } from 'fastify';

import { pndError } from '../errors.ts';
import { archiveOf, restoreArchive } from '../management/archive.ts';
import type { EventRecorder } from '../provisioning/recorder.ts';
import type { Store } from '../store/store.ts';

type Query = Record<string, string | undefined>;

/**
 * The whole store as an archive: GET streams it (a backup or an export, read as one moment
 * while phones are served), POST fills an empty store with one (a restore or an import).
 */
export async function archiveRoutes(
  app: FastifyInstance,
  options: { store: Store; recorder: EventRecorder; now: () => Date },
): Promise<void> {
  const { store, now } = options;

  app.addContentTypeParser('application/gzip', (_req, payload, done) => done(null, payload));

  app.get('/archive', async (request, reply) => {
    const events = /^(1|true|yes)$/i.test((request.query as Query)['events'] ?? '');
    // What phones did until now belongs in the backup.
    if (events) await options.recorder.flush();
    const stamp = now().toISOString().replace(/[-:]/g, '').slice(0, 15);
    return reply
      .type('application/gzip')
      .header('content-disposition', `attachment; filename="plugndial-${stamp}.pnd"`)
      .send(archiveOf(store, { events, now: now() }));
  });

  app.post('/archive', async (request, reply) => {
    const body = request.body as Readable | undefined;
    if (!body || typeof body.pipe !== 'function')
      throw pndError('PND_INVALID_ARGUMENT', 'send the archive as application/gzip');
    const name = (request.query as Query)['name']?.slice(0, 200) ?? 'the archive';
    const restored = await restoreArchive(store, body, name);
    reply.code(201);
    return {
      createdAt: restored.header.createdAt,
      engine: restored.header.engine,
      schema: restored.header.schema,
      counts: restored.counts,
    };
  });
}

const error = {
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

/** The archive routes in the OpenAPI document. */
export const ARCHIVE_PATHS = {
  '/archive': {
    get: {
      summary:
        'the whole store as a gzip archive (JSON lines), read as one moment while phones are served',
      parameters: [
        {
          name: 'events',
          in: 'query',
          schema: { type: 'boolean' },
          description: 'include provisioning and security events (a backup does)',
        },
      ],
      responses: {
        200: { description: 'the archive', content: { 'application/gzip': {} } },
        401: { description: 'missing or wrong bearer token', ...error },
      },
    },
    post: {
      summary:
        'fill an empty store with an archive (application/gzip body, streamed), all or nothing',
      parameters: [
        {
          name: 'name',
          in: 'query',
          schema: { type: 'string' },
          description: 'the file name, for messages',
        },
      ],
      responses: {
        201: { description: 'restored: what the archive held, counted by kind' },
        400: { description: 'not a plugndial archive, damaged, cut short or too new', ...error },
        401: { description: 'missing or wrong bearer token', ...error },
        409: { description: 'the store already holds configuration', ...error },
      },
    },
  },
};
