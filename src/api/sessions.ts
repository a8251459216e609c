// Console sessions: the admin token, given once at sign-in, becomes an HttpOnly SameSite=Strict
// cookie naming a session held in this process's memory. A session is used by the console's
// own pages only: a request from another origin is refused, and every change also carries the
// session's CSRF token in a header, which no other page can read.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import { pndError, type PlugndialError } from '../errors.ts';

export interface SessionOptions {
  /** The cookie's name; the listener's port is in it, so two servers on one host keep apart. */
  cookieName: string;
  now?: () => number;
  /** A session unused this long ends. Default 30 minutes. */
  idleMs?: number;
  /** A session ends this long after sign-in, used or not. Default 12 hours. */
  lifetimeMs?: number;
  /** Sessions held at once; the least recently used goes first. Default 1,000. */
  max?: number;
}

export interface ConsoleSession {
  csrfToken: string;
  createdAt: number;
  lastUsedAt: number;
  address: string;
}

/** What a request looks like to the session checks: its method and headers. */
export interface SessionRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  /** The Host the request was sent to, as fastify reads it. */
  host: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const CSRF_HEADER = 'x-csrf-token';

export class ConsoleSessions {
  readonly cookieName: string;
  readonly idleMs: number;
  readonly lifetimeMs: number;
  readonly #now: () => number;
  readonly #max: number;
  /** By the SHA-256 of the cookie's value: a lookup's timing says nothing of a real one. */
  readonly #sessions = new Map<string, ConsoleSession>();
  readonly #ended = new Set<() => void>();

  constructor(options: SessionOptions) {
    this.cookieName = options.cookieName;
    this.#now = options.now ?? Date.now;
    this.idleMs = options.idleMs ?? 30 * 60_000;
    this.lifetimeMs = options.lifetimeMs ?? 12 * 3_600_000;
    this.#max = options.max ?? 1000;
  }

  /** A new session; the cookie to set and the CSRF token the page sends with each change. */
  open(
    address: string,
    options: { secure?: boolean } = {},
  ): { setCookie: string; session: ConsoleSession } {
    const id = randomBytes(32).toString('base64url');
    const at = this.#now();
    const session: ConsoleSession = {
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: at,
      lastUsedAt: at,
      address,
    };
    // The map is in order of last use (authorise moves a session to its end).
    while (this.#sessions.size >= this.#max) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest === undefined) break;
      this.#sessions.delete(oldest);
    }
    this.#sessions.set(digest(id), session);
    const maxAge = Math.floor(this.lifetimeMs / 1000);
    return {
      setCookie: `${this.cookieName}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${options.secure ? '; Secure' : ''}`,
      session,
    };
  }

  /** The cookie that ends the session in the browser too. */
  clearCookie(): string {
    return `${this.cookieName}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
  }

  /** When the session ends unless it is used before: the sooner of idle and lifetime. */
  expiresAt(session: ConsoleSession): number {
    return Math.min(session.lastUsedAt + this.idleMs, session.createdAt + this.lifetimeMs);
  }

  /** The live session the request's cookie names, without marking it used. */
  peek(cookieHeader: string | string[] | undefined): ConsoleSession | undefined {
    return this.#find(cookieHeader)?.session;
  }

  #find(
    cookieHeader: string | string[] | undefined,
  ): { key: string; session: ConsoleSession } | undefined {
    const id = cookieValue(cookieHeader, this.cookieName);
    if (!id) return undefined;
    const key = digest(id);
    const session = this.#sessions.get(key);
    if (!session) return undefined;
    if (this.#now() >= this.expiresAt(session)) {
      this.#sessions.delete(key);
      return undefined;
    }
    return { key, session };
  }

  /**
   * The session of a request that may use it, marked used; or why not: no session (401),
   * another origin (403), a change without the CSRF token (403).
   */
  authorise(request: SessionRequest): { session: ConsoleSession } | { error: PlugndialError } {
    const foreign = foreignOrigin(request);
    if (foreign) return { error: foreign };
    const found = this.#find(request.headers['cookie']);
    const session = found?.session;
    if (!found || !session) {
      return {
        error: pndError(
          'PND_UNAUTHORIZED',
          'no console session, or it has ended (signed out, idle too long, or the server restarted): sign in again, or send the admin token (Authorization: Bearer)',
        ),
      };
    }
    if (!SAFE_METHODS.has(request.method)) {
      const given = request.headers[CSRF_HEADER];
      if (typeof given !== 'string' || !sameSecret(given, session.csrfToken)) {
        return {
          error: pndError(
            'PND_CSRF',
            `a change through a console session needs its ${CSRF_HEADER} header; reload the console and try again`,
          ),
        };
      }
    }
    session.lastUsedAt = this.#now();
    // To the end of the map: when sessions must make room, the least recently used goes.
    this.#sessions.delete(found.key);
    this.#sessions.set(found.key, session);
    return { session };
  }

  /** Ends the session the request's cookie names; what listens for an end hears of it. */
  close(cookieHeader: string | string[] | undefined): boolean {
    const id = cookieValue(cookieHeader, this.cookieName);
    const closed = id ? this.#sessions.delete(digest(id)) : false;
    if (closed) for (const ended of this.#ended) ended();
    return closed;
  }

  /** Called after each sign-out: what a session kept open (an event stream) ends with it. */
  onEnd(ended: () => void): void {
    this.#ended.add(ended);
  }

  get size(): number {
    return this.#sessions.size;
  }
}

/**
 * Refuses a request that a page of another origin sent: its `Origin` names another host, or
 * the browser says it crossed sites (`Sec-Fetch-Site`). A change must say where it came from,
 * as browsers do for every fetch that is not a GET.
 */
export function foreignOrigin(request: SessionRequest): PlugndialError | undefined {
  const origin = header(request.headers['origin']);
  const site = header(request.headers['sec-fetch-site']);
  const refuse = (what: string): PlugndialError =>
    pndError(
      'PND_FOREIGN_ORIGIN',
      `a console session is used by the console's own pages only; this request came from ${what}. Scripts and other tools send the admin token (Authorization: Bearer) instead`,
    );
  if (origin !== undefined) {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    // The scheme may differ behind a TLS proxy; the host and port may not.
    if (host === undefined || host !== request.host.toLowerCase())
      return refuse(`origin ${JSON.stringify(origin.slice(0, 80))}`);
  }
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    return refuse(`a ${site.slice(0, 20)} page`);
  if (!SAFE_METHODS.has(request.method) && origin === undefined && site === undefined)
    return refuse('a client that does not say its origin');
  return undefined;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/** Compares two secrets in constant time, whatever their lengths. */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** One cookie's value out of a Cookie header; undefined when absent or not a plain token. */
export function cookieValue(
  cookieHeader: string | string[] | undefined,
  name: string,
): string | undefined {
  const text = Array.isArray(cookieHeader) ? cookieHeader.join('; ') : cookieHeader;
  if (!text || text.length > 8192) return undefined;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return /^[A-Za-z0-9_-]{1,128}$/.test(value) ? value : undefined;
  }
  return undefined;
}
