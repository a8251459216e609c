// A phone's request head, read strictly: only what the lean reader answers completely comes
// out; everything else is left to node:http.

import { trimBlanks } from '../../formats/header-text.ts';
import type { PhoneRequestHead } from './phone-request.ts';

const REQUEST_LINE = /^(GET|HEAD|PUT) (\/[\x21-\x7e]*) HTTP\/1\.([01])$/;
/**
 * The largest PUT body read here: a phone's boot log or settings override. A connection that
 * carried one stays with the lean reader; a larger body is node:http's to stream.
 */
export const MAX_LEAN_BODY = 64 * 1024;
const LENGTH = /^\d{1,9}$/;
// Values: visible characters, spaces and tabs, and obs-text (RFC 9110); no other controls.
// The blanks around a value are cut by trimBlanks, not here: `[ \t]*(…*?)[ \t]*$` backtracks
// cubically over a run of blanks that ends in a control, seconds for a few thousand.
// eslint-disable-next-line no-control-regex
const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):([^\x00-\x08\x0a-\x1f\x7f]*)$/;
export interface ParsedHead extends PhoneRequestHead {
  keepAlive: boolean;
  http10: boolean;
  ifNoneMatch?: string | undefined;
  range?: string | undefined;
  ifRange?: string | undefined;
  /** A PUT's body length (Content-Length); GET and HEAD carry none. */
  bodyLength?: number;
}

/**
 * Reads a request head (without its final CRLF CRLF). Undefined when node:http should have
 * it: not GET/HEAD/PUT, the admin API, /healthz or /metrics, a body on GET/HEAD, a PUT without
 * one Content-Length up to MAX_LEAN_BODY, an upgrade, a repeated or missing Host, or any line
 * that is not plainly well-formed.
 */
export function readPhoneHead(text: string): ParsedHead | undefined {
  const lines = text.split('\r\n');
  const request = REQUEST_LINE.exec(lines[0] ?? '');
  if (request === null) return undefined;
  const target = request[2]!;
  if (
    target.startsWith('/api/') ||
    target === '/healthz' ||
    target.startsWith('/healthz?') ||
    target === '/metrics' ||
    target.startsWith('/metrics?')
  ) {
    return undefined;
  }
  const http10 = request[3] === '0';
  const head: ParsedHead = {
    method: request[1] as 'GET' | 'HEAD' | 'PUT',
    target,
    keepAlive: false,
    http10,
  };
  const put = head.method === 'PUT';
  let length: string | undefined;
  let host = 0;
  let close = false;
  let keepAlive = false;
  for (let i = 1; i < lines.length; i += 1) {
    const header = HEADER_LINE.exec(lines[i]!);
    if (header === null) return undefined;
    const value = trimBlanks(header[2]!);
    switch (header[1]!.toLowerCase()) {
      case 'host':
        host += 1;
        head.host = value;
        break;
      case 'user-agent':
        head.userAgent = value;
        break;
      case 'authorization':
        if (head.authorization !== undefined) return undefined;
        head.authorization = value;
        break;
      case 'x-forwarded-for':
        head.forwardedFor =
          head.forwardedFor === undefined ? value : `${head.forwardedFor}, ${value}`;
        break;
      case 'if-none-match':
        head.ifNoneMatch = head.ifNoneMatch === undefined ? value : `${head.ifNoneMatch}, ${value}`;
        break;
      case 'range':
        if (head.range !== undefined) return undefined;
        head.range = value;
        break;
      case 'if-range':
        if (head.ifRange !== undefined) return undefined;
        head.ifRange = value;
        break;
      case 'connection':
        for (const token of value.toLowerCase().split(',')) {
          const option = token.trim();
          if (option === 'close') close = true;
          else if (option === 'keep-alive') keepAlive = true;
          else if (option === 'upgrade') return undefined;
        }
        break;
      case 'content-length':
        if (length !== undefined) return undefined;
        length = value;
        break;
      case 'transfer-encoding':
      case 'expect':
      case 'upgrade':
        return undefined;
      default:
    }
  }
  if (host > 1 || (host === 0 && !http10)) return undefined;
  if (put) {
    if (length === undefined || !LENGTH.test(length) || Number(length) > MAX_LEAN_BODY)
      return undefined;
    head.bodyLength = Number(length);
  } else if (length !== undefined && length !== '0') {
    return undefined;
  }
  // HTTP/1.1 keeps the connection unless told to close; HTTP/1.0 only when asked to keep it.
  head.keepAlive = !close && (!http10 || keepAlive);
  return head;
}
