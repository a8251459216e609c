// A reply's status line and headers as the lean phone writer sends them.

import type { ReplyHeaders } from './phone-reply.ts';

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  204: 'No Content',
  206: 'Partial Content',
  304: 'Not Modified',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  416: 'Range Not Satisfiable',
  500: 'Internal Server Error',
};

/** The head and body in one buffer, for one write. */
export function withBody(head: string, body: Buffer | undefined): Buffer {
  const headLength = head.length;
  const out = Buffer.allocUnsafe(headLength + (body?.length ?? 0));
  out.write(head, 0, 'latin1');
  if (body) body.copy(out, headLength);
  return out;
}

let dateSecond = 0;
let dateText = '';

/** The Date header, formatted once a second as node:http does. */
function httpDate(): string {
  const now = Date.now();
  const second = now - (now % 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second).toUTCString();
  }
  return dateText;
}

/** The status line and headers; `keepAlive` is false or the idle timeout in seconds. */
export function responseHead(
  status: number,
  headers: ReplyHeaders,
  keepAlive: number | false,
): string {
  let text = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ''}\r\n`;
  for (const name in headers) {
    const value = headers[name]!;
    if (Array.isArray(value)) for (const item of value) text += `${name}: ${item}\r\n`;
    else text += `${name}: ${value}\r\n`;
  }
  text += `Date: ${httpDate()}\r\n`;
  if (keepAlive === false) text += 'Connection: close\r\n\r\n';
  else text += `Connection: keep-alive\r\nKeep-Alive: timeout=${keepAlive}\r\n\r\n`;
  return text;
}
