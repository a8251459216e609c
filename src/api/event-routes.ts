import type { FastifyInstance } from 'fastify';

import { pndError } from '../errors.ts';
import { parseMac } from '../model/mac.ts';
import type { EventRecorder } from '../provisioning/recorder.ts';
import type { Store } from '../store/store.ts';
import { ANY_OBJECT, closed, dateTime, flag, list, mac, replies, text, whole } from './schemas.ts';

/** Provisioning events: what phones fetched and how it went, newest first. */
export async function eventRoutes(
  app: FastifyInstance,
  options: { store: Store; recorder: EventRecorder },
): Promise<void> {
  const { store, recorder } = options;

  app.get(
    '/events',
    {
      schema: {
        summary: 'provisioning events, newest first',
        querystring: closed({
          mac,
          since: dateTime('not before'),
          until: dateTime('not after'),
          after: whole('only events recorded after the one of this id'),
          reason: text('only events of this reason, e.g. unknown-device'),
          failed: flag('only failures: status 400 or more, or a fault the phone reported'),
          node: text('only events this node served (several nodes sharing one store)'),
          limit: whole('at most this many'),
        }),
        response: replies(200, list(ANY_OBJECT)),
      },
    },
    async (request) => {
      const q = request.query as {
        mac?: string;
        since?: string;
        until?: string;
        after?: number;
        reason?: string;
        failed?: boolean;
        node?: string;
        limit?: number;
      };
      await recorder.flush();
      let mac: string | undefined;
      if (q.mac) {
        const parsed = parseMac(q.mac);
        if (!parsed.ok) throw parsed.error;
        mac = parsed.value;
      }
      return store.queryEvents({
        ...(mac ? { mac } : {}),
        ...(q.since ? { since: isoParam(q.since, 'since') } : {}),
        ...(q.until ? { until: isoParam(q.until, 'until') } : {}),
        ...(q.after !== undefined ? { afterId: q.after } : {}),
        ...(q.reason !== undefined ? { reason: q.reason } : {}),
        ...(q.failed === true ? { failed: true } : {}),
        ...(q.node !== undefined ? { node: q.node } : {}),
        ...(q.limit !== undefined ? { limit: q.limit } : {}),
      });
    },
  );
}

function isoParam(text: string, name: string): string {
  const t = Date.parse(text);
  if (Number.isNaN(t))
    throw pndError(
      'PND_INVALID_ARGUMENT',
      `${name}: expected a date-time such as 2026-01-31T12:00:00Z`,
    );
  return new Date(t).toISOString();
}
