import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline as pump } from 'node:stream/promises';

import { challengeHeaders } from '../../crypto/http-auth.ts';
import type { Answer, TransferOutcome } from '../../provisioning/request.ts';

const NOT_FOUND = Buffer.from('Not Found\n');
const UNAUTHORISED = Buffer.from('Unauthorized\n');
const TEXT = 'text/plain; charset=utf-8';

export type ReplyHeaders = Record<string, string | number | string[]>;

/** What the phone asked beyond the path: the parts of a request that shape the reply. */
export interface ReplyConditions {
  head: boolean;
  ifNoneMatch?: string | undefined;
  range?: string | undefined;
  /** The range holds only while the file is still this one (RFC 9110 §13.1.5). */
  ifRange?: string | undefined;
}

/**
 * The HTTP reply to a pipeline answer, decided before a byte is written: 401/404, 304 on a
 * matching validator, HEAD without a body, single byte ranges for stored files. Both HTTP
 * paths (node:http and the lean phone connection) write what this decides.
 */
export type PhoneReply =
  | {
      status: number;
      headers: ReplyHeaders;
      /** Bytes after the head; none for HEAD, 304 and empty answers. */
      body?: Buffer;
      /** The transfer's outcome, known before writing: report it with `answer.done`. */
      outcome: TransferOutcome;
    }
  | {
      status: 200 | 206;
      headers: ReplyHeaders;
      /** Stream this part of the file after the head; report the outcome once it ends. */
      stream: { start: number; end: number } | undefined;
    };

export function planReply(answer: Answer, conditions: ReplyConditions): PhoneReply {
  const { head } = conditions;
  if (answer.status === 401) {
    return {
      status: 401,
      headers: {
        'content-type': TEXT,
        'content-length': UNAUTHORISED.length,
        ...(answer.challenge ? { 'www-authenticate': challengeHeaders(answer.challenge) } : {}),
      },
      body: head ? undefined : UNAUTHORISED,
      outcome: { status: 401, bytes: 0 },
    };
  }
  if (answer.status === 404) {
    return {
      status: 404,
      headers: { 'content-type': TEXT, 'content-length': NOT_FOUND.length },
      body: head ? undefined : NOT_FOUND,
      outcome: { status: 404, bytes: 0 },
    };
  }
  const headers: ReplyHeaders = {
    'content-type': answer.contentType,
    'cache-control': 'no-cache',
  };
  if (answer.etag) {
    headers['etag'] = answer.etag;
    if (matches(conditions.ifNoneMatch, answer.etag)) {
      return { status: 304, headers, outcome: { status: 304, bytes: 0 } };
    }
  }
  // A rendered file: whole, no ranges. A stored file comes with `open`, kept whole or not.
  if (answer.body && !answer.open) {
    headers['content-length'] = answer.body.length;
    return {
      status: 200,
      headers,
      body: head ? undefined : answer.body,
      outcome: { status: 200, bytes: head ? 0 : answer.body.length },
    };
  }
  // A file that changed since the phone's first part is sent whole: its parts would not fit.
  // Only an entity tag can say it has not; a date cannot, as no Last-Modified is sent.
  const rangeHolds =
    conditions.ifRange === undefined ||
    (answer.etag !== undefined && conditions.ifRange.trim() === answer.etag);
  const range = rangeHolds ? parseRange(conditions.range, answer.size) : null;
  if (range === 'invalid') {
    return {
      status: 416,
      headers: { 'content-range': `bytes */${answer.size}`, 'content-length': 0 },
      outcome: { status: 416, bytes: 0 },
    };
  }
  const length = range ? range.end - range.start + 1 : answer.size;
  const status = range ? 206 : 200;
  headers['accept-ranges'] = 'bytes';
  headers['content-length'] = length;
  if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${answer.size}`;
  if (head || length === 0 || !answer.open) {
    return { status, headers, outcome: { status, bytes: 0 } };
  }
  // A small stored file the store keeps whole: its part is written as a rendered file is.
  if (answer.body) {
    const part = range ? answer.body.subarray(range.start, range.end + 1) : answer.body;
    return { status, headers, body: part, outcome: { status, bytes: part.length } };
  }
  return { status, headers, stream: range ?? undefined };
}

/** Writes the answer through node:http (the path for anything the lean connection hands over). */
export async function replyToPhone(
  request: IncomingMessage,
  response: ServerResponse,
  answer: Answer,
): Promise<void> {
  const reply = planReply(answer, {
    head: request.method === 'HEAD',
    ifNoneMatch: request.headers['if-none-match'],
    range: request.headers.range,
    ifRange: [request.headers['if-range']].flat()[0],
  });
  response.writeHead(reply.status, reply.headers);
  if ('outcome' in reply) {
    answer.done(reply.outcome);
    response.end(reply.body);
    return;
  }
  const source = answer.open!(reply.stream);
  let bytes = 0;
  source.on('data', (chunk: Buffer) => (bytes += chunk.length));
  try {
    await pump(source, response);
    answer.done({ status: reply.status, bytes });
  } catch {
    answer.done({ status: 499, bytes, reason: 'aborted' });
    response.destroy();
  }
}

function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === etag || tag === '*';
  });
}

/** One `bytes=a-b` range; several ranges are served whole, as RFC 9110 allows. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'invalid' | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, a, b] = match;
  let start: number;
  let end: number;
  if (a === '') {
    if (b === '') return null;
    start = Math.max(0, size - Number(b));
    end = size - 1;
  } else {
    start = Number(a);
    // A last byte before the first is no range at all: the header is ignored (RFC 9110 §14.1.1).
    if (b !== '' && Number(b) < start) return null;
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start > end || start >= size) return 'invalid';
  return { start, end };
}
