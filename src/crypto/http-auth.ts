// HTTP authentication, server side: Basic (RFC 7617) and Digest with qop=auth, MD5 or
// SHA-256 (RFC 7616). Nonces are stateless: a time, some randomness and an HMAC over both,
// so any request can be checked without remembering what was handed out.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a client presented to prove who it is, as a door read it. */
export type PresentedCredentials =
  | { scheme: 'basic'; username: string; password: string }
  | ({ scheme: 'digest' } & DigestResponse)
  /** FTP USER and PASS. */
  | { scheme: 'login'; username: string; password: string };

export interface DigestResponse {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  /** Upper case, e.g. MD5 or SHA-256. */
  algorithm: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
}

export type DigestAlgorithm = 'MD5' | 'SHA-256';

const HASHES: Readonly<Record<DigestAlgorithm, string>> = { MD5: 'md5', 'SHA-256': 'sha256' };

/** Headers longer than this are nobody's credentials. */
const MAX_HEADER = 4096;

/** Reads an Authorization header; undefined for anything that is not well-formed Basic or Digest. */
export function parseAuthorization(header: string | undefined): PresentedCredentials | undefined {
  if (!header || header.length > MAX_HEADER) return undefined;
  const match = /^\s*(\S+)\s+(.*)$/s.exec(header);
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  const rest = match[2]!.trim();
  if (scheme === 'basic') {
    if (!/^[A-Za-z0-9+/]+=*$/.test(rest)) return undefined;
    const text = Buffer.from(rest, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) return undefined;
    return { scheme: 'basic', username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (scheme !== 'digest') return undefined;
  const params = authParams(rest);
  const need = ['username', 'realm', 'nonce', 'uri', 'response'] as const;
  if (need.some((name) => params.get(name) === undefined)) return undefined;
  const optional = (name: 'qop' | 'nc' | 'cnonce'): Partial<DigestResponse> => {
    const value = params.get(name);
    return value === undefined ? {} : { [name]: value };
  };
  return {
    scheme: 'digest',
    username: params.get('username')!,
    realm: params.get('realm')!,
    nonce: params.get('nonce')!,
    uri: params.get('uri')!,
    response: params.get('response')!.toLowerCase(),
    algorithm: (params.get('algorithm') ?? 'MD5').toUpperCase(),
    ...optional('qop'),
    ...optional('nc'),
    ...optional('cnonce'),
  };
}

/** What a 401 answer asks for; the HTTP door writes it as WWW-Authenticate headers. */
export interface AuthChallenge {
  realm: string;
  nonce: string;
  /** Offered in this order, preferred first (clients take the first they know). */
  algorithms: readonly DigestAlgorithm[];
  /** Basic is offered only where the connection is encrypted. */
  basic: boolean;
  /** The client's nonce had expired: it may answer again without asking its user. */
  stale: boolean;
}

export function challengeHeaders(challenge: AuthChallenge): string[] {
  const headers = challenge.algorithms.map(
    (algorithm) =>
      `Digest realm=${quoted(challenge.realm)}, qop="auth", algorithm=${algorithm}, nonce=${quoted(challenge.nonce)}${challenge.stale ? ', stale=true' : ''}`,
  );
  if (challenge.basic) headers.push(`Basic realm=${quoted(challenge.realm)}, charset="UTF-8"`);
  return headers;
}

export interface DigestCheck {
  /** The request's method and target (path and query) as the client sent them. */
  method: string;
  target: string;
  realm: string;
  algorithms: readonly DigestAlgorithm[];
}

/**
 * Whether a Digest response proves knowledge of this user's password for this request.
 * The nonce is checked separately (NonceKeeper). Only qop=auth is accepted: it is what we offer.
 */
export function verifyDigest(
  presented: DigestResponse,
  expected: { username: string; password: string },
  check: DigestCheck,
): boolean {
  const algorithm = check.algorithms.find((a) => a === presented.algorithm);
  if (!algorithm || presented.qop !== 'auth') return false;
  if (!presented.nc || !/^[0-9a-f]{8}$/i.test(presented.nc) || !presented.cnonce) return false;
  if (presented.realm !== check.realm || !sameTarget(presented.uri, check.target)) return false;
  const h = (text: string): string =>
    createHash(HASHES[algorithm]).update(text, 'utf8').digest('hex');
  const ha1 = h(`${expected.username}:${check.realm}:${expected.password}`);
  const ha2 = h(`${check.method}:${presented.uri}`);
  const response = h(`${ha1}:${presented.nonce}:${presented.nc}:${presented.cnonce}:auth:${ha2}`);
  // Both comparisons run whatever the first one says: no early exit to time.
  const user = safeEqual(presented.username, expected.username);
  const proof = safeEqual(presented.response, response);
  return user && proof;
}

/** Compares secrets in time independent of where they differ and of their lengths. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

/** The digest `uri` names this request: its path and query, its path alone, or the absolute URL. */
function sameTarget(uri: string, target: string): boolean {
  if (uri === target) return true;
  const q = target.indexOf('?');
  if (q >= 0 && uri === target.slice(0, q)) return true;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    try {
      const url = new URL(uri);
      return `${url.pathname}${url.search}` === target;
    } catch {
      return false;
    }
  }
  return false;
}

export type NonceState = 'fresh' | 'stale' | 'invalid';

/**
 * Mints and checks Digest nonces: 6 bytes of time (ms), 6 random bytes and 12 bytes of an
 * HMAC over them, base64url. Valid for `lifetimeMs`; an older one is answered `stale=true`.
 * The key lives in memory: after a restart, clients just answer the new challenge.
 */
export class NonceKeeper {
  readonly #key: Buffer;
  readonly #lifetimeMs: number;

  constructor(options: { key?: Buffer; lifetimeMs?: number } = {}) {
    this.#key = options.key ?? randomBytes(32);
    this.#lifetimeMs = options.lifetimeMs ?? 300_000;
  }

  mint(now: Date): string {
    const body = Buffer.alloc(12);
    body.writeUIntBE(Math.max(0, Math.floor(now.getTime())) % 2 ** 48, 0, 6);
    randomBytes(6).copy(body, 6);
    return Buffer.concat([body, this.#mac(body)]).toString('base64url');
  }

  check(nonce: string, now: Date): NonceState {
    if (nonce.length !== 32 || !/^[A-Za-z0-9_-]+$/.test(nonce)) return 'invalid';
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== 24) return 'invalid';
    const body = raw.subarray(0, 12);
    if (!timingSafeEqual(raw.subarray(12), this.#mac(body))) return 'invalid';
    const age = now.getTime() - body.readUIntBE(0, 6);
    if (age < -5_000) return 'invalid';
    return age > this.#lifetimeMs ? 'stale' : 'fresh';
  }

  #mac(body: Buffer): Buffer {
    return createHmac('sha256', this.#key).update(body).digest().subarray(0, 12);
  }
}

/** `realm="a, b", nonce=x` → map of lower-case names to unquoted values (first one wins). */
function authParams(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /\s*([A-Za-z0-9_*-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^,\s]*)\s*(?:,|$)/gy;
  let match: RegExpExecArray | null;
  let count = 0;
  while ((match = re.exec(text)) !== null && match[0] !== '' && count++ < 32) {
    const name = match[1]!.toLowerCase();
    const value = match[3] !== undefined ? match[3].replace(/\\(.)/g, '$1') : match[2]!;
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

function quoted(text: string): string {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
