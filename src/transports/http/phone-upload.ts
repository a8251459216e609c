import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

import { challengeHeaders } from '../../crypto/http-auth.ts';
import type { Provisioner, UploadAnswer } from '../../provisioning/request.ts';
import type { ReplyHeaders } from './phone-reply.ts';
import { provisioningRequest } from './phone-request.ts';

const REASONS: Readonly<Record<UploadAnswer['status'], string>> = {
  204: '',
  401: 'Unauthorized\n',
  404: 'Not Found\n',
  405: 'Method Not Allowed\n',
  413: 'Payload Too Large\n',
  500: 'Internal Server Error\n',
};

/** What is still read of a refused body before the connection closes, so the phone sees the answer. */
const LINGER_BYTES = 64 * 1024;
const LINGER_MS = 2000;

/**
 * A phone's HTTP PUT (node:http parsed it): the pipeline decides and reads what it takes of
 * the body; this only writes the answer. A body left unread closes the connection after the
 * answer, reading at most LINGER_BYTES more (or LINGER_MS) so the phone is not reset first.
 */
export async function answerUpload(
  provisioner: Provisioner,
  scheme: 'http' | 'https',
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  // Held now: the request may be done with its socket by the time the answer is written.
  const socket = request.socket;
  const forwarded = request.headers['x-forwarded-for'];
  const declared = request.headers['content-length'];
  const length = declared === undefined ? undefined : Number(declared);
  const answer = provisioner.upload
    ? await provisioner.upload(
        provisioningRequest(
          {
            method: 'PUT',
            target: request.url ?? '/',
            host: request.headers.host,
            userAgent: request.headers['user-agent'],
            authorization: request.headers.authorization,
            forwardedFor: Array.isArray(forwarded) ? forwarded.join(',') : forwarded,
          },
          scheme,
          socket,
        ),
        {
          stream: request,
          ...(length !== undefined && Number.isFinite(length) ? { declaredLength: length } : {}),
        },
      )
    : { status: 405 as const, bodyLeft: true };
  const { headers, body: text } = uploadReply(answer);
  if (answer.bodyLeft && !request.complete) {
    headers['connection'] = 'close';
    // node:http ends a `Connection: close` exchange with destroySoon(): linger first instead.
    (socket as Socket & { destroySoon?: () => void }).destroySoon = lingerThenClose;
  }
  response.writeHead(answer.status, headers);
  response.end(text);
}

/** The reply to an upload, whichever door read it: the status's short text and its headers. */
export function uploadReply(answer: UploadAnswer): { headers: ReplyHeaders; body: Buffer } {
  const body = Buffer.from(REASONS[answer.status]);
  const headers: ReplyHeaders = { 'content-length': body.length };
  if (body.length > 0) headers['content-type'] = 'text/plain; charset=utf-8';
  if (answer.status === 405) headers['allow'] = 'GET, HEAD, PUT';
  if (answer.challenge) headers['www-authenticate'] = challengeHeaders(answer.challenge);
  return { headers, body };
}

function lingerThenClose(this: Socket): void {
  let read = 0;
  const close = (): void => {
    clearTimeout(timer);
    this.destroy();
  };
  const timer = setTimeout(close, LINGER_MS);
  timer.unref();
  this.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > LINGER_BYTES) close();
  });
  this.once('end', close);
  this.once('close', () => clearTimeout(timer));
  this.end();
}
