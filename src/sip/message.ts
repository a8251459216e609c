// SIP messages as plain data (RFC 3261 §7): a start line, ordered headers and a body.
// Header names are kept in their long, canonical spelling whatever form arrived.

import { splitOutsideQuotes } from './values.ts';

export interface SipHeader {
  /** Canonical long name, e.g. `Call-ID` for `i`, `call-id` or `CALL-ID`. */
  name: string;
  value: string;
}

interface SipCommon {
  headers: SipHeader[];
  body: Buffer;
}

export interface SipRequest extends SipCommon {
  kind: 'request';
  method: string;
  uri: string;
}

export interface SipResponse extends SipCommon {
  kind: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

/**
 * RFC 3261 §7.3.3 and the event packages' compact forms. Maps, not objects: a header named
 * `constructor` or `__proto__` must find nothing here, not Object's own properties.
 */
const COMPACT: ReadonlyMap<string, string> = new Map(
  Object.entries({
    a: 'accept-contact',
    b: 'referred-by',
    c: 'content-type',
    d: 'request-disposition',
    e: 'content-encoding',
    f: 'from',
    i: 'call-id',
    j: 'reject-contact',
    k: 'supported',
    l: 'content-length',
    m: 'contact',
    o: 'event',
    r: 'refer-to',
    s: 'subject',
    t: 'to',
    u: 'allow-events',
    v: 'via',
    x: 'session-expires',
    y: 'identity',
  }),
);

const SPELLING: ReadonlyMap<string, string> = new Map(
  Object.entries({
    'call-id': 'Call-ID',
    cseq: 'CSeq',
    'www-authenticate': 'WWW-Authenticate',
    'mime-version': 'MIME-Version',
  }),
);

/** Headers whose value may be a comma-separated list of values (RFC 3261 §7.3.1). */
const LISTS = new Set([
  'via',
  'contact',
  'route',
  'record-route',
  'allow',
  'allow-events',
  'supported',
  'require',
  'proxy-require',
  'unsupported',
  'accept',
  'accept-encoding',
  'accept-language',
  'content-encoding',
  'content-language',
  'in-reply-to',
  'warning',
  'alert-info',
  'call-info',
  'error-info',
]);

/** `v` → `Via`, `CALL-ID` → `Call-ID`, `x-custom-thing` → `X-Custom-Thing`. */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  const long = COMPACT.get(lower) ?? lower;
  return (
    SPELLING.get(long) ??
    long
      .split('-')
      .map((part) => (part ? part[0]!.toUpperCase() + part.slice(1) : part))
      .join('-')
  );
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === canonicalName(b).toLowerCase();
}

/** The first value of a header (the whole line for headers that are not lists). */
export function header(message: SipMessage, name: string): string | undefined {
  const found = message.headers.find((h) => sameName(h.name, name));
  if (!found) return undefined;
  return isList(name) ? splitList(found.value)[0] : found.value;
}

/** Every value of a header, in order, across repeated lines and comma-separated lists. */
export function headers(message: SipMessage, name: string): string[] {
  const lines = message.headers.filter((h) => sameName(h.name, name)).map((h) => h.value);
  return isList(name) ? lines.flatMap(splitList) : lines;
}

export function isList(name: string): boolean {
  return LISTS.has(canonicalName(name).toLowerCase());
}

/** Splits on commas outside quotes and angle brackets; empty items are dropped. */
export function splitList(value: string): string[] {
  return splitOutsideQuotes(value, ',')
    .map((v) => v.trim())
    .filter(Boolean);
}

/** A copy without any line of that header. */
export function withoutHeader(list: readonly SipHeader[], name: string): SipHeader[] {
  return list.filter((h) => !sameName(h.name, name));
}
