/**
 * Provisioning events, stored in pages: one `event_pages` row per batch of up to
 * EVENTS_PER_PAGE events, the events as one compact JSON document. The engine's cost is per
 * row far more than per byte, so a page costs a fraction of what its events did one row each.
 * Filtering, ordering and pruning by event happen here, over decoded pages.
 */
import { PlugndialError } from '../errors.ts';
import type { EventQuery, ProvisioningEvent } from '../provisioning/event.ts';
import { wholeNumber } from './sql-shapes.ts';
import type { SqlClient } from './sql.ts';

export const DEFAULT_EVENT_LIMIT = 100;
export const MAX_EVENT_LIMIT = 10_000;

/** The most events one page holds: the EventRecorder's batch. */
export const EVENTS_PER_PAGE = 500;

/**
 * An event's id is its page's id × ID_STRIDE + its place in the page. Places survive pruning,
 * so ids never change; a page must therefore never hold more places than this.
 */
const ID_STRIDE = 1024;
if (EVENTS_PER_PAGE > ID_STRIDE) throw new Error('EVENTS_PER_PAGE must not exceed ID_STRIDE');

/**
 * The page document, format 1: `{"v":1,"t0":ms,"s":[strings],"i":[places],"e":[cells…]}`.
 * Each event is an array in FIELDS order, its time as milliseconds after t0, trailing nulls
 * left out. A text field is the string itself or its position in `s` (written pages use `s`,
 * migration 7 writes strings as they are). `i` is there only when places have gaps (a pruned
 * page); without it the n-th event has place n.
 */
const PAGE_FORMAT = 1;

type Cell = string | number | null;

interface PageDocument {
  v: number;
  t0: number;
  s?: string[];
  i?: number[];
  e: Cell[][];
}

// Cell positions, in the fixed order of format 1.
const AT = 0;
const MAC = 1;
const DRIVER = 2;
const FILE = 3;
const TRANSPORT = 4;
const ADDRESS = 5;
const STATUS = 6;
const BYTES = 7;
const DURATION = 8;
const USER_AGENT = 9;
const RETRANSMISSIONS = 10;
const REASON = 11;

/** The most pages a query decodes between two reads, so it never holds the main thread long. */
const PAGES_A_ROUND = 8;

/** One decoded event: its id and time, and its cells until it is needed whole. */
interface StoredEvent {
  id: number;
  place: number;
  at: number;
  mac: string | undefined;
  cells: Cell[];
  strings: readonly string[];
}

/** Appends a batch in one statement: one row per page of up to EVENTS_PER_PAGE events. */
export async function appendEvents(
  client: SqlClient,
  events: readonly ProvisioningEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const rows: string[] = [];
  const params: unknown[] = [];
  for (let start = 0; start < events.length; start += EVENTS_PER_PAGE) {
    const page = events.slice(start, start + EVENTS_PER_PAGE);
    const ats = page.map((event) => eventTime(event.at));
    const n = params.length;
    rows.push(
      `($${n + 1}::timestamptz, $${n + 2}::timestamptz, $${n + 3}::int, $${n + 4}::text[], $${n + 5}::text)`,
    );
    params.push(...pageColumns(page, ats));
  }
  await client.query(
    `INSERT INTO event_pages (first_at, last_at, count, macs, events) VALUES ${rows.join(', ')}`,
    params,
  );
}

/**
 * Newest first by (at, id); `since` is inclusive, `until` exclusive; at most 10,000 (100
 * unless asked). Pages are read newest `last_at` first and decoded until no page left can
 * hold an event newer than the limit-th found so far: pages written by several nodes overlap
 * in time, so the first `limit` events seen are not necessarily the newest.
 */
export async function queryEvents(
  client: SqlClient,
  query: EventQuery,
): Promise<ProvisioningEvent[]> {
  const limit = Math.min(wholeNumber(query.limit ?? DEFAULT_EVENT_LIMIT, 'limit'), MAX_EVENT_LIMIT);
  const window = await timeWindow(client, query);
  if (limit === 0) return [];

  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (condition: string, value: unknown): void => {
    params.push(value);
    conditions.push(condition.replace('?', `$${params.length}`));
  };
  if (query.mac !== undefined) add('macs @> ARRAY[?::text]', query.mac);
  if (query.since !== undefined) add('last_at >= ?::timestamptz', query.since);
  if (query.until !== undefined) add('first_at < ?::timestamptz', query.until);

  let found: StoredEvent[] = [];
  let cut = true;
  const newest = (): StoredEvent[] => {
    if (!cut) {
      found.sort(newestFirst);
      found = found.slice(0, limit);
      cut = true;
    }
    return found;
  };
  let after: { lastMs: number; id: number } | undefined;
  // Enough pages for the limit when every event matches; more each round when few do.
  let batch = Math.min(PAGES_A_ROUND, Math.ceil(limit / EVENTS_PER_PAGE) + 1);
  for (;;) {
    const keyset = after
      ? [
          ...conditions,
          `(last_at, id) < ($${params.length + 1}::timestamptz, $${params.length + 2}::bigint)`,
        ]
      : conditions;
    const pages = await client.query<{ id: number; last_ms: number; events: string }>(
      `SELECT id::float8 AS id, (extract(epoch FROM last_at) * 1000)::float8 AS last_ms, events
       FROM event_pages${keyset.length ? ` WHERE ${keyset.join(' AND ')}` : ''}
       ORDER BY last_at DESC, id DESC LIMIT ${batch}`,
      after ? [...params, new Date(after.lastMs).toISOString(), after.id] : params,
    );
    for (const page of pages) {
      if (found.length >= limit && page.last_ms < newest()[limit - 1]!.at) return finish();
      const matching = decodePage(
        page.id,
        page.events,
        (at, mac) =>
          at >= window.since && at < window.until && (query.mac === undefined || mac === query.mac),
      );
      if (matching.length > 0) {
        found.push(...matching);
        cut = false;
      }
    }
    if (pages.length < batch) return finish();
    const last = pages[pages.length - 1]!;
    after = { lastMs: last.last_ms, id: last.id };
    batch = Math.min(batch * 2, PAGES_A_ROUND);
  }

  function finish(): ProvisioningEvent[] {
    return newest().map(toEvent);
  }
}

/**
 * Deletes events older than `before` and any beyond the newest `keep` (Infinity keeps all);
 * returns how many. Pages wholly past the cut are deleted, a page straddling it is rewritten
 * with the events it keeps, all in one transaction. Finding the newest `keep` reads only the
 * pages' times and counts, and decodes just the pages whose time range holds the cut.
 */
export async function pruneEvents(client: SqlClient, before: Date, keep: number): Promise<number> {
  const limit = Number.isFinite(keep) ? wholeNumber(keep, 'keep') : undefined;
  const beforeIso = before.toISOString();
  const beforeMs = before.getTime();
  return client.transaction(async (tx) => {
    // One pruner at a time (nodes sharing a database); appends go on meanwhile.
    await tx.query('LOCK TABLE event_pages IN SHARE UPDATE EXCLUSIVE MODE');
    const [old] = await tx.query<{ n: number }>(
      `WITH gone AS (DELETE FROM event_pages WHERE last_at < $1::timestamptz RETURNING count)
       SELECT coalesce(sum(count), 0)::float8 AS n FROM gone`,
      [beforeIso],
    );
    let removed = old?.n ?? 0;

    const pages = await tx.query<PageSummary>(
      `SELECT id::float8 AS id, (extract(epoch FROM first_at) * 1000)::float8 AS first,
         (extract(epoch FROM last_at) * 1000)::float8 AS last, count
       FROM event_pages${limit === undefined ? ' WHERE first_at < $1::timestamptz' : ''}`,
      limit === undefined ? [beforeIso] : [],
    );
    const decoded = new Map<number, StoredEvent[]>();
    const load = async (ids: number[]): Promise<void> => {
      const wanted = ids.filter((id) => !decoded.has(id));
      if (wanted.length === 0) return;
      const rows = await tx.query<{ id: number; events: string }>(
        `SELECT id::float8 AS id, events FROM event_pages WHERE id = ANY($1::bigint[])`,
        [`{${wanted.join(',')}}`],
      );
      for (const row of rows) decoded.set(row.id, decodePage(row.id, row.events));
    };
    const kept = new Map<number, StoredEvent[]>();
    const keepOnly = (page: PageSummary, events: StoredEvent[]): void => {
      kept.set(page.id, events);
      page.count = events.length;
      page.first = Math.min(...events.map((e) => e.at));
      page.last = Math.max(...events.map((e) => e.at));
    };

    // The pages reaching back past `before` lose their older events.
    const straddling = pages.filter((page) => page.first < beforeMs);
    await load(straddling.map((page) => page.id));
    for (const page of straddling) {
      keepOnly(
        page,
        decoded.get(page.id)!.filter((event) => event.at >= beforeMs),
      );
    }

    const whole = new Set<number>();
    const live = pages.filter((page) => page.count > 0);
    const total = live.reduce((sum, page) => sum + page.count, 0);
    if (limit !== undefined && total > limit) {
      if (limit === 0) for (const page of live) whole.add(page.id);
      else {
        const cut = newestBounds(live, limit);
        let above = 0;
        const straddle: PageSummary[] = [];
        for (const page of live) {
          if (page.last < cut.lower) whole.add(page.id);
          else if (page.first > cut.upper) above += page.count;
          else straddle.push(page);
        }
        await load(straddle.map((page) => page.id));
        const candidates: StoredEvent[] = [];
        for (const page of straddle) {
          for (const event of kept.get(page.id) ?? decoded.get(page.id)!) {
            if (event.at > cut.upper) above += 1;
            else if (event.at >= cut.lower) candidates.push(event);
          }
        }
        candidates.sort(newestFirst);
        const dropped = new Set(candidates.slice(Math.max(0, limit - above)));
        for (const page of straddle) {
          const events = kept.get(page.id) ?? decoded.get(page.id)!;
          const remaining = events.filter((e) => e.at >= cut.lower && !dropped.has(e));
          if (remaining.length < events.length) keepOnly(page, remaining);
        }
      }
    }

    for (const [id, events] of kept) {
      if (whole.has(id)) continue;
      removed += decoded.get(id)!.length - events.length;
      if (events.length === 0) {
        await tx.query('DELETE FROM event_pages WHERE id = $1::bigint', [id]);
        continue;
      }
      const ats = events.map((event) => event.at);
      await tx.query(
        `UPDATE event_pages SET first_at = $2::timestamptz, last_at = $3::timestamptz, count = $4::int,
           macs = $5::text[], events = $6::text
         WHERE id = $1::bigint`,
        [
          id,
          ...pageColumns(
            events.map(toEvent),
            ats,
            events.map((event) => event.place),
          ),
        ],
      );
    }
    if (whole.size > 0) {
      const gone = await tx.query<{ count: number }>(
        `DELETE FROM event_pages WHERE id = ANY($1::bigint[]) RETURNING count`,
        [`{${[...whole].join(',')}}`],
      );
      // What each page holds in the table, also for a page trimmed above in memory only.
      for (const row of gone) removed += row.count;
    }
    return removed;
  });
}

interface PageSummary {
  id: number;
  first: number;
  last: number;
  count: number;
}

/**
 * Bounds on the time of the `keep`-th newest event, from page times and counts alone (live
 * pages hold more than `keep` events): at least `keep` events are at or after `lower` (the
 * pages that begin there or later hold them), and fewer than `keep` are after `upper` (only
 * pages that end after it can hold such events). Pages ending before `lower` are wholly
 * beyond the newest `keep`, pages beginning after `upper` wholly within.
 */
function newestBounds(pages: PageSummary[], keep: number): { lower: number; upper: number } {
  const reach = (time: (page: PageSummary) => number): number => {
    let sum = 0;
    for (const page of [...pages].sort((a, b) => time(b) - time(a))) {
      sum += page.count;
      if (sum >= keep) return time(page);
    }
    return -Infinity;
  };
  return { lower: reach((page) => page.first), upper: reach((page) => page.last) };
}

/** The stored time window of a query in milliseconds, the bounds parsed as PostgreSQL does. */
async function timeWindow(
  client: SqlClient,
  query: EventQuery,
): Promise<{ since: number; until: number }> {
  if (query.since === undefined && query.until === undefined)
    return { since: -Infinity, until: Infinity };
  const [row] = await client.query<{ since: number | null; until: number | null }>(
    `SELECT (extract(epoch FROM $1::timestamptz) * 1000)::float8 AS since,
       (extract(epoch FROM $2::timestamptz) * 1000)::float8 AS until`,
    [query.since ?? null, query.until ?? null],
  );
  return { since: row?.since ?? -Infinity, until: row?.until ?? Infinity };
}

function eventTime(at: string): number {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) {
    throw new PlugndialError(
      'PND_INVALID_ARGUMENT',
      `an event's time must be an ISO 8601 date-time, not "${at.slice(0, 40)}"`,
    );
  }
  return ms;
}

/** first_at, last_at, count, macs and events of a page, as query parameters. */
function pageColumns(
  events: readonly ProvisioningEvent[],
  ats: readonly number[],
  places?: readonly number[],
): [string, string, number, string, string] {
  let first = Infinity;
  let last = -Infinity;
  for (const at of ats) {
    if (at < first) first = at;
    if (at > last) last = at;
  }
  const macs = new Set<string>();
  for (const event of events) if (event.mac != null) macs.add(event.mac);
  return [
    new Date(first).toISOString(),
    new Date(last).toISOString(),
    events.length,
    arrayLiteral(macs),
    encodePage(events, ats, first, places),
  ];
}

function encodePage(
  events: readonly ProvisioningEvent[],
  ats: readonly number[],
  t0: number,
  places: readonly number[] | undefined,
): string {
  const strings: string[] = [];
  const positions = new Map<string, number>();
  const ref = (value: string | undefined): number | null => {
    if (value == null) return null;
    let position = positions.get(value);
    if (position === undefined) {
      position = strings.length;
      strings.push(value);
      positions.set(value, position);
    }
    return position;
  };
  const e = events.map((event, k) => {
    const cells: Cell[] = [
      ats[k]! - t0,
      ref(event.mac),
      ref(event.driver),
      ref(event.file),
      ref(event.transport),
      ref(event.address),
      event.status,
      event.bytes,
      event.durationMs,
      ref(event.userAgent),
      event.retransmissions ?? null,
      ref(event.reason),
    ];
    while (cells.length > 0 && cells[cells.length - 1] === null) cells.pop();
    return cells;
  });
  // Places are written only when they are not simply 0, 1, 2, …
  const gaps = places?.some((place, k) => place !== k) ?? false;
  return JSON.stringify(
    gaps ? { v: PAGE_FORMAT, t0, s: strings, i: places, e } : { v: PAGE_FORMAT, t0, s: strings, e },
  );
}

/** The events of a page, or those `wanted` when given. */
function decodePage(
  pageId: number,
  json: string,
  wanted?: (at: number, mac: string | undefined) => boolean,
): StoredEvent[] {
  const page = JSON.parse(json) as PageDocument;
  if (page.v !== PAGE_FORMAT) {
    throw new PlugndialError(
      'PND_DATABASE',
      `event page ${pageId} is in format ${String(page.v)}, which this plugndial cannot read; upgrade plugndial on this node`,
    );
  }
  const strings = page.s ?? [];
  const events: StoredEvent[] = [];
  for (let k = 0; k < page.e.length; k += 1) {
    const cells = page.e[k]!;
    const at = page.t0 + (cells[AT] as number);
    const mac = text(cells[MAC], strings);
    if (wanted && !wanted(at, mac)) continue;
    const place = page.i?.[k] ?? k;
    events.push({ id: pageId * ID_STRIDE + place, place, at, mac, cells, strings });
  }
  return events;
}

function text(cell: Cell | undefined, strings: readonly string[]): string | undefined {
  if (typeof cell === 'number') return strings[cell];
  return cell ?? undefined;
}

function toEvent(stored: StoredEvent): ProvisioningEvent {
  const { cells, strings } = stored;
  const event: ProvisioningEvent = {
    id: stored.id,
    at: new Date(stored.at).toISOString(),
    file: text(cells[FILE], strings)!,
    transport: text(cells[TRANSPORT], strings) as ProvisioningEvent['transport'],
    address: text(cells[ADDRESS], strings)!,
    status: cells[STATUS] as number,
    bytes: cells[BYTES] as number,
    durationMs: cells[DURATION] as number,
  };
  if (stored.mac !== undefined) event.mac = stored.mac;
  const driver = text(cells[DRIVER], strings);
  if (driver !== undefined) event.driver = driver;
  const userAgent = text(cells[USER_AGENT], strings);
  if (userAgent !== undefined) event.userAgent = userAgent;
  const retransmissions = cells[RETRANSMISSIONS];
  if (retransmissions != null) event.retransmissions = retransmissions as number;
  const reason = text(cells[REASON], strings);
  if (reason !== undefined) event.reason = reason;
  return event;
}

function newestFirst(a: StoredEvent, b: StoredEvent): number {
  return b.at - a.at || b.id - a.id;
}

/** A PostgreSQL array literal of text values, each quoted. */
function arrayLiteral(values: Iterable<string>): string {
  const quoted: string[] = [];
  for (const value of values) quoted.push(`"${value.replace(/["\\]/g, '\\$&')}"`);
  return `{${quoted.join(',')}}`;
}
