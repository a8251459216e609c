import { timingSafeEqual } from 'node:crypto';

import type { FastifyInstance } from 'fastify';

import type { ServerMetrics } from './server-metrics.ts';

export interface MetricsRouteOptions {
  metrics: ServerMetrics;
  /** The admin API's bearer token, which /metrics wants too unless it is public. */
  token: string;
  /** Read at each scrape: `--metrics-public` may change on reload. */
  isPublic: () => boolean;
}

/** GET /metrics beside the admin API, in the Prometheus text format. */
export function metricsRoute(app: FastifyInstance, options: MetricsRouteOptions): void {
  const expected = Buffer.from(`Bearer ${options.token}`);
  app.get('/metrics', async (request, reply) => {
    if (!options.isPublic()) {
      const given = Buffer.from(request.headers.authorization ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return reply.code(401).send({
          code: 'PND_UNAUTHORIZED',
          message:
            'missing or wrong bearer token; it is in the data directory (admin-token), or serve with --metrics-public',
        });
      }
    }
    const text = await options.metrics.render();
    return reply.header('content-type', options.metrics.contentType).send(text);
  });
}
