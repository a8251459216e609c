import type { Readable } from 'node:stream';

import type { FastifyInstance } from 'fastify';

import { pndError } from '../errors.ts';
import { archiveOf, restoreArchive } from '../management/archive.ts';
import type { EventRecorder } from '../provisioning/recorder.ts';
import type { Store } from '../store/store.ts';
import { ANY_OBJECT, closed, flag, replies, text } from './schemas.ts';

type Query = Record<string, string | undefined>;

const ARCHIVE = { 'application/gzip': { schema: { description: 'a plugndial archive' } } };

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

  app.get(
    '/archive',
    {
      schema: {
        summary:
          'the whole store as a gzip archive of JSON lines, read as one moment while phones are served',
        querystring: closed({
          events: flag('include provisioning and security events (a backup does)'),
        }),
        response: { 200: { description: 'the archive', content: ARCHIVE } },
      },
    },
    async (request, reply) => {
      const events = (request.query as { events?: boolean }).events === true;
      // What phones did until now belongs in the backup.
      if (events) await options.recorder.flush();
      const stamp = now().toISOString().replace(/[-:]/g, '').slice(0, 15);
      return reply
        .type('application/gzip')
        .header('content-disposition', `attachment; filename="plugndial-${stamp}.pnd"`)
        .send(archiveOf(store, { events, now: now() }));
    },
  );

  app.post(
    '/archive',
    {
      schema: {
        summary:
          'fill an empty store with an archive (raw body, streamed), all or nothing; 409 when the store holds configuration',
        querystring: closed({ name: text('the file name, for messages') }),
        body: { content: ARCHIVE },
        response: replies(201, ANY_OBJECT, 409),
      },
    },
    async (request, reply) => {
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
    },
  );
}
