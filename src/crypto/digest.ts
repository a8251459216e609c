// Digest access authentication, client side (RFC 2617, RFC 7616, as SIP uses it in
// RFC 3261 §22.4): read a WWW-Authenticate / Proxy-Authenticate challenge, answer it.

import { createHash } from 'node:crypto';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  /** Upper case: MD5, MD5-SESS, SHA-256, SHA-256-SESS. */
  algorithm: string;
  /** The qop values offered, lower case; empty for RFC 2069 style challenges. */
  qop: string[];
}

export interface DigestCredentials {
  username: string;
  password: string;
}

export interface DigestRequest {
  method: string;
  uri: string;
  /** The request body, for qop=auth-int. */
  body?: Buffer;
  /** Client nonce; injected so tests are deterministic. */
  cnonce: string;
  /** Requests already made with this nonce, plus one. */
  nc?: number;
}

const HASHES: Readonly<Record<string, string>> = {
  MD5: 'md5',
  'MD5-SESS': 'md5',
  'SHA-256': 'sha256',
  'SHA-256-SESS': 'sha256',
};

/** The Digest challenge in a header value, or undefined for another scheme or an unknown algorithm. */
export function parseDigestChallenge(value: string): DigestChallenge | undefined {
  const match = /^\s*Digest\s+(.*)$/is.exec(value);
  if (!match) return undefined;
  const params = authParams(match[1]!);
  const realm = params.get('realm');
  const nonce = params.get('nonce');
  if (realm === undefined || nonce === undefined) return undefined;
  const algorithm = (params.get('algorithm') ?? 'MD5').toUpperCase();
  if (!HASHES[algorithm]) return undefined;
  const qop = (params.get('qop') ?? '')
    .split(',')
    .map((q) => q.trim().toLowerCase())
    .filter(Boolean);
  const opaque = params.get('opaque');
  return { realm, nonce, algorithm, qop, ...(opaque !== undefined ? { opaque } : {}) };
}

/** The Authorization (or Proxy-Authorization) header value answering a challenge. */
export function digestAuthorization(
  challenge: DigestChallenge,
  credentials: DigestCredentials,
  request: DigestRequest,
): string {
  const algo = HASHES[challenge.algorithm] ?? 'md5';
  const h = (text: string | Buffer): string => createHash(algo).update(text).digest('hex');
  const nc = (request.nc ?? 1).toString(16).padStart(8, '0');
  const qop = challenge.qop.includes('auth')
    ? 'auth'
    : challenge.qop.includes('auth-int')
      ? 'auth-int'
      : undefined;

  let ha1 = h(`${credentials.username}:${challenge.realm}:${credentials.password}`);
  if (challenge.algorithm.endsWith('-SESS')) {
    ha1 = h(`${ha1}:${challenge.nonce}:${request.cnonce}`);
  }
  const ha2 =
    qop === 'auth-int'
      ? h(`${request.method}:${request.uri}:${h(request.body ?? Buffer.alloc(0))}`)
      : h(`${request.method}:${request.uri}`);
  const response = qop
    ? h(`${ha1}:${challenge.nonce}:${nc}:${request.cnonce}:${qop}:${ha2}`)
    : h(`${ha1}:${challenge.nonce}:${ha2}`);

  const parts = [
    `username=${quoted(credentials.username)}`,
    `realm=${quoted(challenge.realm)}`,
    `nonce=${quoted(challenge.nonce)}`,
    `uri=${quoted(request.uri)}`,
    `response=${quoted(response)}`,
    `algorithm=${challenge.algorithm === 'MD5' ? 'MD5' : challenge.algorithm}`,
  ];
  if (challenge.opaque !== undefined) parts.push(`opaque=${quoted(challenge.opaque)}`);
  if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce=${quoted(request.cnonce)}`);
  return `Digest ${parts.join(', ')}`;
}

/** `realm="a, b", nonce=x` → map of lower-case names to unquoted values. */
function authParams(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /\s*([A-Za-z0-9_-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^,\s]*)\s*(?:,|$)/gy;
  let match: RegExpExecArray | null;
  while ((match = re.exec(text)) !== null && match[0] !== '') {
    const name = match[1]!.toLowerCase();
    const value = match[3] !== undefined ? match[3].replace(/\\(.)/g, '$1') : match[2]!;
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

function quoted(text: string): string {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
