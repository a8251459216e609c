// Writes SIP messages to bytes. Content-Length is always computed from the body, so a
// caller cannot send a length that disagrees with what follows.

import { canonicalName, type SipHeader, type SipMessage } from './message.ts';

export function serializeMessage(message: SipMessage): Buffer {
  const start =
    message.kind === 'request'
      ? `${message.method} ${message.uri} SIP/2.0`
      : `SIP/2.0 ${message.status} ${message.reason}`;
  const lines = [start];
  for (const h of message.headers) {
    // Whatever spelling a caller used (`l` is Content-Length's compact form), only ours is sent.
    if (canonicalName(h.name) === 'Content-Length') continue;
    lines.push(`${h.name}: ${oneLine(h.value)}`);
  }
  lines.push(`Content-Length: ${message.body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), message.body]);
}

/** A header value never carries a line break into the output (no header injection). */
function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}

export function sipHeader(name: string, value: string): SipHeader {
  return { name, value };
}
