import type { Readable } from 'node:stream';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { pndError } from '../errors.ts';
import { normalisePath } from '../provisioning/path.ts';
import type { Store } from '../store/store.ts';
import { ANY_OBJECT, closed, list, replies, text } from './schemas.ts';

type Query = Record<string, string | undefined>;

/** The overlay: files served as they are (firmware, certificates, images), stored and removed. */
export async function fileRoutes(app: FastifyInstance, options: { store: Store }): Promise<void> {
  const { store } = options;

  app.get(
    '/files',
    {
      schema: {
        summary: 'list the files served as they are (the overlay)',
        response: replies(200, list(ANY_OBJECT)),
      },
    },
    async () => store.listFiles(),
  );

  const overlayParams = closed({ '*': text('a relative path, e.g. firmware/fip14g.rom') }, ['*']);
  app.put(
    '/files/*',
    {
      schema: {
        summary: 'store a file served as it is (raw body, streamed)',
        params: overlayParams,
        body: {
          content: { 'application/octet-stream': { schema: { description: "the file's bytes" } } },
        },
        response: replies(201, ANY_OBJECT),
      },
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const path = overlayPath(request);
      const body = request.body as Readable | undefined;
      if (!body || typeof (body as Readable).pipe !== 'function') {
        throw pndError('PND_INVALID_ARGUMENT', 'send the file as application/octet-stream');
      }
      const type =
        (request.headers['x-content-type'] as string | undefined) ?? contentTypeFor(path);
      const stored = await store.putFile(path, body, type);
      reply.code(201);
      return stored;
    },
  );

  app.delete(
    '/files/*',
    {
      schema: {
        summary: 'remove a stored file',
        params: overlayParams,
        response: replies(200, closed({ removed: text() }), 404),
      },
    },
    async (request) => {
      const path = overlayPath(request);
      if (!(await store.removeFile(path)))
        throw pndError('PND_FILE_NOT_FOUND', `no file "${path.slice(0, 120)}"`);
      return { removed: path };
    },
  );
}

function overlayPath(request: FastifyRequest): string {
  const raw = (request.params as Query)['*'] ?? '';
  const segments = normalisePath(raw, { percentEncoded: false, backslashIsSeparator: false });
  if (!segments || segments.length === 0) {
    throw pndError(
      'PND_INVALID_PATH',
      'a served path is a relative path without "..", e.g. firmware/fip14g.rom',
    );
  }
  return segments.join('/');
}

const TYPES: Record<string, string> = {
  cfg: 'text/plain; charset=utf-8',
  boot: 'text/plain; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  xml: 'application/xml',
  csv: 'text/csv',
  vcf: 'text/vcard',
  pem: 'application/x-pem-file',
  crt: 'application/x-x509-ca-cert',
  der: 'application/x-x509-ca-cert',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  bmp: 'image/bmp',
  json: 'application/json',
};

export function contentTypeFor(path: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase() ?? '';
  return Object.hasOwn(TYPES, ext) ? TYPES[ext]! : 'application/octet-stream';
}
