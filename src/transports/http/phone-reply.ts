import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline as pump } from 'node:stream/promises';

import { challengeHeaders } from '../../crypto/http-auth.ts';
import type { Answer } from '../../provisioning/request.ts';

const NOT_FOUND = Buffer.from('Not Found\n');
const UNAUTHORISED = Buffer.from('Unauthorized\n');
const TEXT = 'text/plain; charset=utf-8';

/**
 * Writes the pipeline's answer as HTTP: 404, 304 on a matching validator, HEAD without
 * a body, single byte ranges for streamed files. Reports how the transfer ended, once.
 */
export async function replyToPhone(
  request: IncomingMessage,
  response: ServerResponse,
  answer: Answer,
): Promise<void> {
  const head = request.method === 'HEAD';
  if (answer.status === 401) {
    answer.done({ status: 401, bytes: 0 });
    response.writeHead(401, {
      'content-type': TEXT,
      'content-length': UNAUTHORISED.length,
      ...(answer.challenge ? { 'www-authenticate': challengeHeaders(answer.challenge) } : {}),
    });
    response.end(head ? undefined : UNAUTHORISED);
    return;
  }
  if (answer.status === 404) {
    answer.done({ status: 404, bytes: 0 });
    response.writeHead(404, { 'content-type': TEXT, 'content-length': NOT_FOUND.length });
    response.end(head ? undefined : NOT_FOUND);
    return;
  }
  const headers: Record<string, string | number> = {
    'content-type': answer.contentType,
    'cache-control': 'no-cache',
  };
  if (answer.etag) {
    headers['etag'] = answer.etag;
    if (matches(request.headers['if-none-match'], answer.etag)) {
      answer.done({ status: 304, bytes: 0 });
      response.writeHead(304, headers);
      response.end();
      return;
    }
  }
  if (answer.body) {
    headers['content-length'] = answer.body.length;
    answer.done({ status: 200, bytes: head ? 0 : answer.body.length });
    response.writeHead(200, headers);
    response.end(head ? undefined : answer.body);
    return;
  }
  await replyWithStream(request, response, answer, headers, head);
}

async function replyWithStream(
  request: IncomingMessage,
  response: ServerResponse,
  answer: Answer,
  headers: Record<string, string | number>,
  head: boolean,
): Promise<void> {
  const range = parseRange(request.headers.range, answer.size);
  if (range === 'invalid') {
    answer.done({ status: 416, bytes: 0 });
    response.writeHead(416, { 'content-range': `bytes */${answer.size}`, 'content-length': 0 });
    response.end();
    return;
  }
  const length = range ? range.end - range.start + 1 : answer.size;
  const status = range ? 206 : 200;
  headers['accept-ranges'] = 'bytes';
  headers['content-length'] = length;
  if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${answer.size}`;
  response.writeHead(status, headers);
  if (head || length === 0 || !answer.open) {
    answer.done({ status, bytes: 0 });
    response.end();
    return;
  }
  const source = answer.open(range ?? undefined);
  let bytes = 0;
  source.on('data', (chunk: Buffer) => (bytes += chunk.length));
  try {
    await pump(source, response);
    answer.done({ status, bytes });
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
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start > end || start >= size) return 'invalid';
  return { start, end };
}
