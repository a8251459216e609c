import type { IncomingMessage, ServerResponse } from 'node:http';

import { challengeHeaders } from '../../crypto/http-auth.ts';
import type { Provisioner, UploadAnswer } from '../../provisioning/request.ts';
import { lingerOnClose } from './linger.ts';
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

/**
 * A phone's HTTP PUT (node:http parsed it): the pipeline decides and reads what it takes of
 * the body; this only writes the answer. A body left unread closes the connection after the
 * answer, lingering (lingerOnClose) so the phone is not reset first.
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
    lingerOnClose(socket);
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
