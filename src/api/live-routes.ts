import type { ServerResponse } from 'node:http';

import type { FastifyInstance } from 'fastify';

import { pndError } from '../errors.ts';
import type { SecurityEvent } from '../model/credentials.ts';
import { parseMac } from '../model/mac.ts';
import type { ProvisioningEvent } from '../model/event.ts';
import type { Store } from '../store/store.ts';
import { closed, mac, replies } from './schemas.ts';
import type { ConsoleSessions } from './sessions.ts';

export interface LiveRoutesOptions {
  store: Store;
  /** How often the store is asked for new events while someone listens. Default 1 s. */
  pollMs?: number;
  /** A comment line this often keeps proxies from closing a quiet stream. Default 15 s. */
  keepAliveMs?: number;
  sessions?: ConsoleSessions;
  /** The clock's repeating timers (a test counts them). Default the process's. */
  intervals?: Intervals;
}

export interface Intervals {
  set(run: () => void, ms: number): NodeJS.Timeout;
  clear(timer: NodeJS.Timeout | undefined): void;
}

const PROCESS_INTERVALS: Intervals = {
  set: (run, ms) => setInterval(run, ms),
  clear: (timer) => clearInterval(timer),
};

/** Streams open at once; each costs a socket and a little memory. */
const MAX_STREAMS = 100;
/** A client that reads slower than this much piles up is let go. */
const MAX_BACKLOG = 1024 * 1024;
/** Events read per poll and kind; a storm beyond it is reported as skipped, not queued. */
const BATCH = 500;

interface Listener {
  response: ServerResponse;
  mac?: string;
  /** The session the stream was opened with; when it ends, so does the stream. */
  cookie?: string;
}

/**
 * `GET /events/stream`: provisioning and security events as server-sent events, as they are
 * recorded on any node. The store is polled by id once a second while anyone listens (one
 * query per kind, whatever the number of listeners), so a stream sees what every node wrote.
 */
export async function liveRoutes(app: FastifyInstance, options: LiveRoutesOptions): Promise<void> {
  const { store, sessions } = options;
  const pollMs = options.pollMs ?? 1000;
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const intervals = options.intervals ?? PROCESS_INTERVALS;
  const listeners = new Set<Listener>();
  let cursor: { provisioning: number; security: number } | undefined;
  /** Where the first stream of a round starts, being read: a poll waits for it. */
  let starting: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let keepAlive: NodeJS.Timeout | undefined;
  let polling = false;
  /** Moves each time the last listener leaves, so a cursor read for an earlier round is dropped. */
  let round = 0;

  const send = (listener: Listener, chunk: string): void => {
    const response = listener.response;
    if (response.writableLength > MAX_BACKLOG) {
      response.destroy();
      listeners.delete(listener);
      return;
    }
    response.write(chunk);
  };

  const poll = async (): Promise<void> => {
    if (polling || listeners.size === 0) return;
    polling = true;
    try {
      // Not a read of its own: one made later would start after events recorded since the
      // stream opened, and they would never be sent.
      if (!cursor) await starting;
      cursor ??= await newest(store);
      const [provisioning, security] = await Promise.all([
        store.queryEvents({ afterId: cursor.provisioning, limit: BATCH }),
        store.querySecurityEvents({ afterId: cursor.security, limit: BATCH }),
      ]);
      await deliver('provisioning', provisioning, cursor.provisioning, (mac, afterId) =>
        store.queryEvents({ mac, afterId, limit: BATCH }),
      );
      await deliver('security', security, cursor.security, (mac, afterId) =>
        store.querySecurityEvents({ mac, afterId, limit: BATCH }),
      );
      cursor.provisioning = Math.max(cursor.provisioning, ...provisioning.map(idOf));
      cursor.security = Math.max(cursor.security, ...security.map(idOf));
    } catch {
      // The store was busy or closing: the next poll reads from the same cursor.
    } finally {
      polling = false;
    }
  };

  /**
   * Sends one poll's events of a kind (newest first from the store) in the order they
   * happened. A full batch is the newest BATCH: what lies between the cursor and its oldest
   * was not read. A stream of every device is told so (GET /events has them), never left to
   * guess; a stream of one device is sent that device's events of the gap, read on their own,
   * and told of a gap only when its device alone had more than a batch.
   */
  const deliver = async (
    kind: 'provisioning' | 'security',
    batch: readonly LiveEvent[],
    after: number,
    ofDevice: (mac: string, afterId: number) => Promise<LiveEvent[]>,
  ): Promise<void> => {
    const oldest = Math.min(...batch.map(idOf));
    if (batch.length >= BATCH && oldest > after + 1) {
      for (const listener of listeners)
        if (listener.mac === undefined) send(listener, gapNotice(kind, after, oldest));
      const macs = new Set([...listeners].flatMap((listener) => listener.mac ?? []));
      for (const mac of macs) {
        const own = await ofDevice(mac, after);
        const ownOldest = Math.min(...own.map(idOf));
        const notice =
          own.length >= BATCH && ownOldest > after + 1 ? gapNotice(kind, after, ownOldest) : '';
        const missed = own
          .filter((event) => idOf(event) < oldest)
          .reverse()
          .map((event) => sse(kind, event))
          .join('');
        for (const listener of listeners)
          if (listener.mac === mac && notice + missed) send(listener, notice + missed);
      }
    }
    for (const event of [...batch].reverse()) {
      const chunk = sse(kind, event);
      for (const listener of listeners) {
        if (listener.mac === undefined || listener.mac === event.mac) send(listener, chunk);
      }
    }
  };

  const stop = (listener: Listener): void => {
    listeners.delete(listener);
    if (listeners.size > 0) return;
    intervals.clear(timer);
    intervals.clear(keepAlive);
    timer = keepAlive = undefined;
    cursor = undefined;
    starting = undefined;
    round += 1;
  };

  /** Ends each stream whose session is over; at each keep-alive, and at once on sign-out. */
  const endSignedOut = (): void => {
    if (!sessions) return;
    for (const each of [...listeners]) {
      if (each.cookie !== undefined && !sessions.peek(each.cookie)) {
        each.response.end('event: end\ndata: {"reason":"session ended"}\n\n');
        stop(each);
      }
    }
  };
  sessions?.onEnd(endSignedOut);

  app.addHook('preClose', async () => {
    for (const listener of [...listeners]) {
      listener.response.end();
      stop(listener);
    }
  });

  app.get(
    '/events/stream',
    {
      schema: {
        summary:
          'provisioning and security events as they are recorded, as server-sent events (event: provisioning | security, data: the event as GET /events and /security-events show it; event: skipped, data: {kind, afterId, beforeId} when more were recorded in one poll than a stream is sent: events with ids between the two may not have been sent, GET /events has them; a stream of one mac is sent the events of the gap of that mac and told of a gap only when that mac alone had more)',
        querystring: closed({ mac }),
        response: {
          ...replies(200, {}, 503),
          200: {
            description: 'a stream of server-sent events',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (request, reply) => {
      const q = request.query as { mac?: string };
      let only: string | undefined;
      if (q.mac !== undefined) {
        const parsed = parseMac(q.mac);
        if (!parsed.ok) throw parsed.error;
        only = parsed.value;
      }
      if (listeners.size >= MAX_STREAMS)
        throw pndError('PND_TOO_MANY_STREAMS', `${MAX_STREAMS} event streams are open; close one`);
      const cookie =
        sessions && request.headers.authorization === undefined
          ? request.headers.cookie
          : undefined;
      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        connection: 'keep-alive',
      });
      // Tells the browser how soon to come back after a dropped connection.
      response.write(`retry: 3000\n\n`);
      const listener: Listener = {
        response,
        ...(only ? { mac: only } : {}),
        ...(cookie ? { cookie } : {}),
      };
      listeners.add(listener);
      request.raw.once('close', () => stop(listener));
      response.once('close', () => stop(listener));
      if (!timer) {
        // The timers first, with no await before them: two streams opened at once start one
        // poll, not two, of which stop() would clear only the last.
        const started = round;
        starting = newest(store)
          .then((now) => {
            if (round === started) cursor ??= now;
          })
          .catch(() => undefined);
        timer = intervals.set(() => void poll(), pollMs);
        keepAlive = intervals.set(() => {
          // A stream does not keep its session alive; it ends with it.
          endSignedOut();
          for (const each of listeners) send(each, ': keep-alive\n\n');
        }, keepAliveMs);
      }
    },
  );
}

/** The ids of the newest events now: a new stream starts after them. */
async function newest(store: Store): Promise<{ provisioning: number; security: number }> {
  const [provisioning] = await store.queryEvents({ limit: 1 });
  const [security] = await store.querySecurityEvents({ limit: 1 });
  return { provisioning: provisioning?.id ?? 0, security: security?.id ?? 0 };
}

type LiveEvent = ProvisioningEvent | SecurityEvent;

const idOf = (event: LiveEvent): number => event.id ?? 0;

/** Events with ids between the two may not have been sent to this stream. */
function gapNotice(kind: 'provisioning' | 'security', afterId: number, beforeId: number): string {
  return `event: skipped\ndata: ${JSON.stringify({ kind, afterId, beforeId })}\n\n`;
}

function sse(kind: 'provisioning' | 'security', event: LiveEvent): string {
  return `event: ${kind}\nid: ${kind}-${event.id ?? 0}\ndata: ${JSON.stringify(event)}\n\n`;
}
