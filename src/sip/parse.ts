// Parses one SIP message from one datagram (RFC 3261 §7, §18.3). Pure and total: any
// input yields a message or a typed error, never a throw, and the work is bounded by
// the datagram size.

import { fail, ok, type Result } from '../errors.ts';
import { trimBlanks } from '../formats/header-text.ts';
import { canonicalName, type SipHeader, type SipMessage } from './message.ts';

/** Larger than any plug-and-play or check-sync message; RFC 3261 wants < 1300 bytes on UDP. */
export const MAX_MESSAGE_BYTES = 8192;
const MAX_HEADERS = 128;

// Only CR and LF end a line and only SP and HTAB are blanks (RFC 3261 §7.3.1, §25.1 LWS).
// Every other character, U+2028 and U+2029 included, is part of a value as UTF-8 text
// (TEXT-UTF8, quoted strings, the reason phrase): a JavaScript `.`, `\s` or `trim()` would
// treat those two as line ends and refuse or cut a value the serializer writes.
const TOKEN = "[A-Za-z0-9.!%*_+`'~-]+";
const REQUEST_LINE = new RegExp(`^(${TOKEN})[ \\t]+([^ \\t\\r]+)[ \\t]+SIP/2\\.0[ \\t]*$`, 'i');
const STATUS_LINE = /^SIP\/2\.0[ \t]+([1-6]\d\d)(?:[ \t]+([^\r]*))?$/i;
const HEADER_LINE = new RegExp(`^(${TOKEN})[ \\t]*:[ \\t]*([^\\r]*)$`);

export interface ParseOptions {
  maxBytes?: number;
}

export function parseMessage(data: Buffer, options: ParseOptions = {}): Result<SipMessage> {
  const maxBytes = options.maxBytes ?? MAX_MESSAGE_BYTES;
  if (data.length > maxBytes) {
    return fail('PND_SIP_TOO_LARGE', `${data.length} bytes; at most ${maxBytes} are accepted`);
  }
  let start = 0;
  // Keep-alives and stray line ends before the start line are ignored (RFC 3261 §7.5).
  while (start < data.length && (data[start] === 0x0d || data[start] === 0x0a)) start++;
  if (start === data.length) return malformed('empty datagram');

  const end = headEnd(data, start);
  if (!end) return malformed('no empty line after the headers');
  if (data.subarray(start, end.head).includes(0)) return malformed('NUL byte in the headers');
  const lines = data.subarray(start, end.head).toString('utf8').split(/\r?\n/);

  const first = lines[0]!;
  const request = REQUEST_LINE.exec(first);
  const status = request ? undefined : STATUS_LINE.exec(first);
  if (!request && !status) return malformed('the first line is neither a request nor a status');

  const parsedHeaders = parseHeaders(lines.slice(1));
  if (!parsedHeaders.ok) return parsedHeaders;
  const headerList = parsedHeaders.value;

  const body = sizedBody(data.subarray(end.body), headerList);
  if (!body.ok) return body;

  return request
    ? ok({
        kind: 'request',
        method: request[1]!.toUpperCase(),
        uri: request[2]!,
        headers: headerList,
        body: body.value,
      })
    : ok({
        kind: 'response',
        status: Number(status![1]),
        reason: trimBlanks(status![2] ?? ''),
        headers: headerList,
        body: body.value,
      });
}

/** Where the headers end and the body starts; CRLF CRLF, or LF LF from lenient senders. */
function headEnd(data: Buffer, from: number): { head: number; body: number } | undefined {
  const crlf = data.indexOf('\r\n\r\n', from);
  const lf = data.indexOf('\n\n', from);
  if (crlf < 0 && lf < 0) return undefined;
  if (lf < 0 || (crlf >= 0 && crlf < lf)) return { head: crlf, body: crlf + 4 };
  return { head: lf, body: lf + 2 };
}

function parseHeaders(lines: readonly string[]): Result<SipHeader[]> {
  const out: SipHeader[] = [];
  for (const line of lines) {
    if (line === '') continue;
    if (line[0] === ' ' || line[0] === '\t') {
      // A folded line continues the previous header (RFC 3261 §7.3.1): one space stands in.
      const last = out.at(-1);
      if (!last) return malformed('a continuation line before any header');
      last.value = trimBlanks(`${last.value} ${trimBlanks(line)}`);
      continue;
    }
    const match = HEADER_LINE.exec(line);
    if (!match) return malformed(`not a header line: "${printable(line)}"`);
    if (out.length >= MAX_HEADERS) return malformed(`more than ${MAX_HEADERS} headers`);
    out.push({ name: canonicalName(match[1]!), value: trimBlanks(match[2]!) });
  }
  return ok(out);
}

/**
 * The body as Content-Length says (RFC 3261 §18.3): bytes beyond it are discarded, fewer
 * bytes than it promises make the message unusable. Without the header the datagram's
 * remainder is the body.
 */
function sizedBody(rest: Buffer, headerList: readonly SipHeader[]): Result<Buffer> {
  const lengths = headerList.filter((h) => h.name === 'Content-Length').map((h) => h.value);
  if (lengths.length === 0) return ok(Buffer.from(rest));
  if (lengths.some((v) => v !== lengths[0]))
    return malformed('Content-Length headers disagree with each other');
  if (!/^\d{1,9}$/.test(lengths[0]!)) return malformed('Content-Length is not a number');
  const length = Number(lengths[0]);
  if (length > rest.length) {
    return malformed(`Content-Length says ${length} bytes but the body has ${rest.length}`);
  }
  return ok(Buffer.from(rest.subarray(0, length)));
}

function malformed<T>(why: string): Result<T> {
  return fail('PND_SIP_MALFORMED', `malformed SIP message: ${why}`);
}

/** Echoes a short, printable excerpt of bad input: never the whole datagram. */
function printable(text: string): string {
  return text.slice(0, 40).replace(/[^\x20-\x7e]/g, '?');
}
