import { pipeline as pump } from 'node:stream/promises';

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

import type { Answer, Provisioner, TransferOutcome } from '../../provisioning/request.ts';

export interface HttpDoorOptions {
  provisioner: Provisioner;
  /** Registers the admin API and anything else that is not a phone's file. */
  extend?: (app: FastifyInstance) => Promise<void>;
  /** Tells /healthz whether every door listens. */
  healthy?: () => boolean;
  scheme?: 'http' | 'https';
  https?: { key: Buffer; cert: Buffer };
}

const NOT_FOUND_BODY = 'Not Found\n';

/**
 * The HTTP door: phones' files at the root and under any prefix, the admin API under
 * /api/v1, and /healthz. Phone requests go to the pipeline untouched; this adapter only
 * speaks HTTP (validators, HEAD, ranges) and reports how each transfer ended.
 */
export async function buildHttpDoor(options: HttpDoorOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    routerOptions: { maxParamLength: 1024 },
    bodyLimit: 10 * 1024 * 1024,
    // Phones reconnect for every file; keep idle sockets short so a storm cannot pin them.
    keepAliveTimeout: 5_000,
    requestTimeout: 60_000,
    return503OnClosing: true,
    // A path that does not even decode is still a phone's request: the pipeline answers it
    // (404, one event) like any other path it will not serve.
    frameworkErrors: (error, request, reply) => {
      if (error.code === 'FST_ERR_BAD_URL')
        void phone(request as FastifyRequest, reply as FastifyReply);
      else
        void (reply as FastifyReply)
          .code(400)
          .type('text/plain; charset=utf-8')
          .send('Bad Request\n');
    },
    ...(options.https ? { https: options.https } : {}),
  });
  const scheme = options.scheme ?? 'http';

  app.get('/healthz', async (_request, reply) => {
    const healthy = options.healthy?.() ?? true;
    return reply.code(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'starting' });
  });

  if (options.extend) await options.extend(app);

  async function phone(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const raw = request.raw.url ?? '/';
    const q = raw.indexOf('?');
    const userAgent = request.headers['user-agent'];
    const answer = await options.provisioner.answer({
      transport: scheme,
      rawPath: q < 0 ? raw : raw.slice(0, q),
      query: q < 0 ? '' : raw.slice(q + 1),
      remoteAddress: request.ip,
      origin: `${scheme}://${request.host || 'localhost'}`,
      ...(userAgent ? { userAgent } : {}),
    });
    await send(request, reply, answer);
  }
  app.route({ method: ['GET', 'HEAD'], url: '/*', handler: phone, exposeHeadRoute: false });
  app.route({ method: ['GET', 'HEAD'], url: '/', handler: phone, exposeHeadRoute: false });
  app.setNotFoundHandler(async (_request, reply) =>
    reply.code(404).type('text/plain').send(NOT_FOUND_BODY),
  );
  return app;
}

async function send(request: FastifyRequest, reply: FastifyReply, answer: Answer): Promise<void> {
  const head = request.method === 'HEAD';
  const finish = (outcome: TransferOutcome): void => answer.done(outcome);
  if (answer.status === 404) {
    finish({ status: 404, bytes: 0 });
    await reply.code(404).type('text/plain; charset=utf-8').send(NOT_FOUND_BODY);
    return;
  }
  reply.header('content-type', answer.contentType);
  reply.header('cache-control', 'no-cache');
  if (answer.etag) {
    reply.header('etag', answer.etag);
    if (matches(request.headers['if-none-match'], answer.etag)) {
      finish({ status: 304, bytes: 0 });
      await reply.code(304).send();
      return;
    }
  }
  if (answer.body) {
    reply.header('content-length', answer.body.length);
    finish({ status: 200, bytes: head ? 0 : answer.body.length });
    await reply.code(200).send(head ? undefined : answer.body);
    return;
  }
  await sendStream(request, reply, answer, head);
}

async function sendStream(
  request: FastifyRequest,
  reply: FastifyReply,
  answer: Answer,
  head: boolean,
): Promise<void> {
  const range = parseRange(request.headers.range, answer.size);
  if (range === 'invalid') {
    answer.done({ status: 416, bytes: 0 });
    await reply.code(416).header('content-range', `bytes */${answer.size}`).send();
    return;
  }
  reply.header('accept-ranges', 'bytes');
  const length = range ? range.end - range.start + 1 : answer.size;
  reply.header('content-length', length);
  if (range) reply.header('content-range', `bytes ${range.start}-${range.end}/${answer.size}`);
  const status = range ? 206 : 200;
  if (head || length === 0 || !answer.open) {
    answer.done({ status, bytes: 0 });
    await reply.code(status).send();
    return;
  }
  const source = answer.open(range ?? undefined);
  reply.hijack();
  const res = reply.raw;
  res.writeHead(status, reply.getHeaders() as Record<string, string>);
  let bytes = 0;
  source.on('data', (chunk: Buffer) => (bytes += chunk.length));
  try {
    await pump(source, res);
    answer.done({ status, bytes });
  } catch {
    answer.done({ status: 499, bytes, reason: 'aborted' });
    res.destroy();
  }
}

function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === etag || tag === '*';
  });
}

/** One `bytes=a-b` range; several ranges are served whole, as RFC 9110 allows. */
function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'invalid' | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, a, b] = match;
  let start: number;
  let end: number;
  if (a === '') {
    if (b === '') return null;
    start = Math.max(0, size - Number(b));
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start > end || start >= size) return 'invalid';
  return { start, end };
}
