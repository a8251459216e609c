import type pg from 'pg';

import type { StoreChange } from './store.ts';
import { databaseError } from './sql.ts';

/** The PostgreSQL channel on which every node announces its configuration changes. */
export const CHANGE_CHANNEL = 'plugndial_changes';

// NOTIFY payloads must stay under 8000 bytes; a larger batch is announced as "everything".
const MAX_PAYLOAD = 7900;

/** What a node says on the channel after committing a change. */
export interface ChangeNotice {
  node: string;
  generation: number;
  entity: StoreChange['entity'];
  keys: string[];
}

export function encodeNotice(notice: ChangeNotice): string {
  const payload = JSON.stringify(notice);
  return payload.length <= MAX_PAYLOAD ? payload : JSON.stringify({ ...notice, keys: ['*'] });
}

/** Parses a payload defensively: anyone with access to the database can NOTIFY. */
export function decodeNotice(payload: string): ChangeNotice | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { node, generation, entity, keys } = value as Record<string, unknown>;
  if (
    typeof node !== 'string' ||
    typeof generation !== 'number' ||
    !Number.isSafeInteger(generation)
  )
    return undefined;
  if (
    entity !== 'device' &&
    entity !== 'profile' &&
    entity !== 'file' &&
    entity !== 'firmware' &&
    entity !== 'contacts'
  )
    return undefined;
  if (!Array.isArray(keys) || !keys.every((key): key is string => typeof key === 'string'))
    return undefined;
  return { node, generation, entity, keys };
}

export interface ChangeFeed {
  close(): Promise<void>;
}

export interface ChangeFeedHandlers {
  notice(notice: ChangeNotice): void;
  /** Called after a lost connection is back; notices sent meanwhile were missed. */
  reconnected(): void;
}

/**
 * Holds one dedicated connection LISTENing on the change channel, reconnecting with backoff
 * when it drops. The first connection must succeed; later failures only delay the feed.
 *
 * A connection can also die without a word (a firewall or NAT forgets it, the server's host
 * is cut off): no 'end' comes, and the notices sent meanwhile are lost while the node's pool
 * keeps working — its caches would serve the old configuration for as long as TCP takes to
 * give up (hours). So the connection is asked `SELECT 1` every `pingMs`; one that does not
 * answer within half of that is dropped and made again, and the node catches up.
 */
export async function listenForChanges(
  url: string,
  handlers: ChangeFeedHandlers,
  options: { retryMs?: number; maxRetryMs?: number; pingMs?: number } = {},
): Promise<ChangeFeed> {
  // Loaded here: the embedded store never needs PostgreSQL's client.
  const { default: postgres } = await import('pg');
  const retryMs = options.retryMs ?? 500;
  const maxRetryMs = options.maxRetryMs ?? 30_000;
  let closed = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let delay = retryMs;
  const pingMs = options.pingMs ?? 10_000;
  let pinging = false;

  const connect = async (): Promise<pg.Client> => {
    const next = new postgres.Client({
      connectionString: url,
      keepAlive: true,
      keepAliveInitialDelayMillis: pingMs,
    });
    next.on('error', () => undefined);
    next.on('notification', (message) => {
      if (message.channel !== CHANGE_CHANNEL || message.payload === undefined) return;
      const notice = decodeNotice(message.payload);
      if (notice) handlers.notice(notice);
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (error) {
      await next.end().catch(() => undefined);
      throw databaseError(error, 'LISTEN');
    }
    next.once('end', () => {
      // A connection dropped for not answering has been replaced already.
      if (!closed && client === next) scheduleReconnect();
    });
    return next;
  };

  const ping = async (): Promise<void> => {
    const current = client;
    if (!current || pinging || closed) return;
    pinging = true;
    let timeout: NodeJS.Timeout | undefined;
    const answered = await Promise.race([
      current.query('SELECT 1').then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => {
        timeout = setTimeout(() => resolve(false), pingMs / 2);
      }),
    ]);
    clearTimeout(timeout);
    pinging = false;
    if (answered || closed || client !== current) return;
    scheduleReconnect();
    // Its socket is closed here and now: ending it politely would wait on the silence.
    (
      current as unknown as { connection?: { stream?: { destroy(): void } } }
    ).connection?.stream?.destroy();
  };

  const scheduleReconnect = (): void => {
    client = undefined;
    timer = setTimeout(() => {
      timer = undefined;
      connect().then(
        (next) => {
          if (closed) {
            void next.end().catch(() => undefined);
            return;
          }
          client = next;
          delay = retryMs;
          handlers.reconnected();
        },
        () => {
          delay = Math.min(delay * 2, maxRetryMs);
          if (!closed) scheduleReconnect();
        },
      );
    }, delay);
    timer.unref();
  };

  client = await connect();
  const pinger = setInterval(() => void ping(), pingMs);
  pinger.unref();
  return {
    async close(): Promise<void> {
      closed = true;
      clearInterval(pinger);
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => undefined);
    },
  };
}
