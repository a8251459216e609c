import dgram from 'node:dgram';

import { header, headers, type SipMessage, type SipRequest } from '../../src/sip/message.ts';
import { parseMessage } from '../../src/sip/parse.ts';
import { responseTo } from '../../src/sip/build.ts';
import { serializeMessage } from '../../src/sip/serialize.ts';

/** A phone's SIP socket on loopback: sends raw text, collects what comes back. */
export class TestPhone {
  readonly socket: dgram.Socket;
  readonly inbox: { message: SipMessage; from: { address: string; port: number } }[] = [];
  #waiters: (() => void)[] = [];

  private constructor(socket: dgram.Socket) {
    this.socket = socket;
    socket.on('message', (data, rinfo) => {
      const parsed = parseMessage(data);
      if (parsed.ok) this.inbox.push({ message: parsed.value, from: rinfo });
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  static async open(): Promise<TestPhone> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new TestPhone(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(text: string | Buffer, port: number, address = '127.0.0.1'): void {
    this.socket.send(typeof text === 'string' ? Buffer.from(text) : text, port, address);
  }

  /** The first message in the inbox matching, waited for up to `ms`; removed from the inbox. */
  async next(match: (m: SipMessage) => boolean, ms = 10_000): Promise<SipMessage> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.inbox.findIndex((e) => match(e.message));
      if (i >= 0) return this.inbox.splice(i, 1)[0]!.message;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching SIP message within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Answers a request from the server with a status, from this socket. */
  answer(request: SipRequest, status: number, reason: string, to: number, extra = ''): void {
    const response = responseTo(request, status, reason, {
      from: { address: '127.0.0.1', port: to },
      toTag: 'phone',
      headers: extra
        ? [{ name: extra.split(':')[0]!, value: extra.slice(extra.indexOf(':') + 1).trim() }]
        : [],
    });
    this.send(serializeMessage(response), to);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

export const isRequest =
  (method: string) =>
  (m: SipMessage): m is SipRequest =>
    m.kind === 'request' && m.method === method;

export const isResponse =
  (status: number) =>
  (m: SipMessage): boolean =>
    m.kind === 'response' && m.status === status;

/** A plug-and-play SUBSCRIBE from a phone at 127.0.0.1:<port> with the given user part. */
export function subscribeText(
  user: string,
  port: number,
  options: { branch?: string; vendor?: string; rport?: boolean; callId?: string } = {},
): string {
  const branch = options.branch ?? `z9hG4bK${Math.random().toString(16).slice(2)}`;
  return [
    `SUBSCRIBE sip:${user}@224.0.1.75 SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=${branch}${options.rport === false ? '' : ';rport'}`,
    `From: <sip:${user}@224.0.1.75>;tag=ph${port}`,
    `To: <sip:${user}@224.0.1.75>`,
    `Call-ID: ${options.callId ?? `${branch}@127.0.0.1`}`,
    'CSeq: 1 SUBSCRIBE',
    `Contact: <sip:${user}@127.0.0.1:${port}>`,
    'Max-Forwards: 70',
    `Event: ua-profile;profile-type="device";vendor="${options.vendor ?? 'Flyingvoice'}";model="FIP14G";version="V0.5.15"`,
    'Accept: application/url',
    'Expires: 0',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

export function body(message: SipMessage): string {
  return message.body.toString('utf8');
}

export { header, headers };
