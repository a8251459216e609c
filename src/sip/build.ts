// Building blocks for messages plugndial sends: responses that copy what RFC 3261 §8.2.6
// says to copy, fresh branches, tags and Call-IDs, and where a response goes (§18.2.2).

import { randomBytes } from 'node:crypto';

import { header, headers, type SipHeader, type SipRequest, type SipResponse } from './message.ts';
import { formatHostPort, parseNameAddr, parseVia, type Via } from './values.ts';

/** An address and port a datagram came from or goes to. */
export interface Peer {
  address: string;
  port: number;
}

/** RFC 3261's magic cookie marks branches that are unique per transaction. */
export const BRANCH_COOKIE = 'z9hG4bK';

export function newBranch(): string {
  return `${BRANCH_COOKIE}${randomBytes(10).toString('hex')}`;
}

export function newTag(): string {
  return randomBytes(6).toString('hex');
}

export function newCallId(host: string): string {
  return `${randomBytes(12).toString('hex')}@${host}`;
}

export function topVia(message: SipRequest | SipResponse): Via | undefined {
  const value = header(message, 'Via');
  return value === undefined ? undefined : parseVia(value);
}

/** The headers every request plugndial answers must have (RFC 3261 §8.1.1). */
export function missingHeaders(request: SipRequest): string[] {
  return ['Via', 'From', 'To', 'Call-ID', 'CSeq'].filter((name) => !header(request, name));
}

/**
 * A response to a request: Via (all of them), From, To, Call-ID and CSeq copied; the top
 * Via marked with where the request really came from (`received`, `rport`, RFC 3581); a
 * To tag added when the request had none.
 */
export function responseTo(
  request: SipRequest,
  status: number,
  reason: string,
  options: { from: Peer; toTag?: string; headers?: readonly SipHeader[]; body?: Buffer },
): SipResponse {
  const out: SipHeader[] = [];
  headers(request, 'Via').forEach((via, i) => {
    out.push({ name: 'Via', value: i === 0 ? markVia(via, options.from) : via });
  });
  out.push({ name: 'From', value: header(request, 'From') ?? '' });
  const to = header(request, 'To') ?? '';
  const tagged = parseNameAddr(to)?.params['tag'] !== undefined;
  out.push({
    name: 'To',
    value: !tagged && options.toTag && to ? `${to};tag=${options.toTag}` : to,
  });
  out.push({ name: 'Call-ID', value: header(request, 'Call-ID') ?? '' });
  out.push({ name: 'CSeq', value: header(request, 'CSeq') ?? '' });
  out.push(...(options.headers ?? []));
  return { kind: 'response', status, reason, headers: out, body: options.body ?? Buffer.alloc(0) };
}

/**
 * `received` when the sent-by host is not where the datagram came from, or when the client
 * asked for `rport` (RFC 3581 §4: then always); `rport` filled in.
 */
function markVia(value: string, from: Peer): string {
  const via = parseVia(value);
  if (!via) return value;
  const parts = value.split(';').map((p) => p.trim());
  const kept = parts.filter((p, i) => {
    if (i === 0) return true;
    const name = p.split('=')[0]!.trim().toLowerCase();
    return name !== 'received' && name !== 'rport';
  });
  if (via.host !== from.address || 'received' in via.params || 'rport' in via.params)
    kept.push(`received=${from.address}`);
  if ('rport' in via.params) kept.push(`rport=${from.port}`);
  return kept.join(';');
}

/**
 * Where a response goes on UDP (RFC 3261 §18.2.2 with RFC 3581): back to the source when
 * the top Via asks for `rport`, else to the source address at the Via's port (5060 by default).
 */
export function responseDestination(request: SipRequest, from: Peer): Peer {
  const via = topVia(request);
  if (!via || 'rport' in via.params) return from;
  return { address: from.address, port: via.port ?? 5060 };
}

export function sentBy(peer: Peer): string {
  return formatHostPort(peer.address, peer.port);
}

/** The CSeq number and method, e.g. `1 SUBSCRIBE` → { 1, SUBSCRIBE }. */
export function parseCSeq(value: string | undefined): { seq: number; method: string } | undefined {
  const match = /^\s*(\d{1,10})\s+([A-Za-z]+)\s*$/.exec(value ?? '');
  return match ? { seq: Number(match[1]), method: match[2]!.toUpperCase() } : undefined;
}
