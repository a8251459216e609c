// The phones' side of the HTTP door: a lean HTTP/1.1 reader and writer for the requests a
// boot storm is made of (GET or HEAD of a file, a handful of headers, no body), straight from
// the socket to the pipeline. Anything else — the admin API, bodies, upgrades, oversized or
// malformed heads, unusual characters — is handed, with the bytes already read, to node:http,
// whose parser answers it as it always did. So the fast path only ever sees requests it
// understands completely, and the strict parser still has the last word on everything else.

import type { Socket } from 'node:net';
import { pipeline as pump } from 'node:stream/promises';

import type { Provisioner } from '../../provisioning/request.ts';
import { planReply, type ReplyHeaders } from './phone-reply.ts';
import { provisioningRequest, type PhoneRequestHead } from './phone-request.ts';

export interface PhoneConnectionOptions {
  provisioner: Provisioner;
  scheme: 'http' | 'https';
  /** Gives the socket to node:http, with `pending` (bytes read but not answered) put back. */
  handOver(socket: Socket, pending: Buffer | undefined): void;
  /** Idle time allowed between requests on a kept-alive connection. */
  keepAliveMs: number;
  /** Time allowed from a request's first byte to its complete head. */
  headersMs: number;
  /** Time a response may stall (the phone not reading) before the connection is dropped. */
  stallMs: number;
  /** Largest request head read here; node:http answers larger ones (431). */
  maxHeadBytes: number;
}

interface Conversation {
  owner: PhoneConnections;
  socket: Socket;
  /** Bytes received and not yet answered. */
  pending: Buffer | undefined;
  /** A reply is being worked out or written. */
  busy: boolean;
  /** When the head now arriving began (0: none under way). */
  headSince: number;
  /** When the connection is dropped unless something happens first (see #sweep). */
  deadline: number;
  /** Bytes written when the deadline was last set, to tell a slow phone from a stalled one. */
  written: number;
  /** The phone half-closed: answer what it sent, then end. */
  ended: boolean;
}

/**
 * Where a socket keeps its conversation, so the socket listeners can be four functions
 * shared by every connection rather than four closures made for each one.
 */
const CONVERSATION = Symbol('plugndial.phone-conversation');
type PhoneSocket = Socket & { [CONVERSATION]?: Conversation | undefined };

const HEAD_END = Buffer.from('\r\n\r\n');
const BARE_END = Buffer.from('\n\n');
/** How often deadlines are checked: they are seconds long, so a second late is fine. */
const SWEEP_MS = 1000;
const REQUEST_LINE = /^(GET|HEAD) (\/[\x21-\x7e]*) HTTP\/1\.([01])$/;
// Values: visible characters, spaces and tabs, and obs-text (RFC 9110); no other controls.
// eslint-disable-next-line no-control-regex
const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([^\x00-\x08\x0a-\x1f\x7f]*?)[ \t]*$/;
const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  206: 'Partial Content',
  304: 'Not Modified',
  401: 'Unauthorized',
  404: 'Not Found',
  416: 'Range Not Satisfiable',
  500: 'Internal Server Error',
};

interface ParsedHead extends PhoneRequestHead {
  keepAlive: boolean;
  http10: boolean;
  ifNoneMatch?: string | undefined;
  range?: string | undefined;
}

/**
 * Reads a request head (without its final CRLF CRLF). Undefined when node:http should have
 * it: not GET/HEAD, the admin API, /healthz or /metrics, a body, an upgrade, a repeated or missing
 * Host, or any line that is not plainly well-formed.
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
    method: request[1] as 'GET' | 'HEAD',
    target,
    keepAlive: false,
    http10,
  };
  let host = 0;
  let close = false;
  let keepAlive = false;
  for (let i = 1; i < lines.length; i += 1) {
    const header = HEADER_LINE.exec(lines[i]!);
    if (header === null) return undefined;
    const value = header[2]!;
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
      case 'connection':
        for (const token of value.toLowerCase().split(',')) {
          const option = token.trim();
          if (option === 'close') close = true;
          else if (option === 'keep-alive') keepAlive = true;
          else if (option === 'upgrade') return undefined;
        }
        break;
      case 'content-length':
        if (value !== '0') return undefined;
        break;
      case 'transfer-encoding':
      case 'expect':
      case 'upgrade':
        return undefined;
      default:
    }
  }
  if (host > 1 || (host === 0 && !http10)) return undefined;
  // HTTP/1.1 keeps the connection unless told to close; HTTP/1.0 only when asked to keep it.
  head.keepAlive = !close && (!http10 || keepAlive);
  return head;
}

/** Keeps phone connections: answers each request in order, closes idle ones on shutdown. */
export class PhoneConnections {
  readonly #options: PhoneConnectionOptions;
  readonly #open = new Set<Conversation>();
  readonly #outbox = new Outbox();
  #closing = false;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: PhoneConnectionOptions) {
    this.#options = options;
    // One timer for every connection, instead of a timer per socket refreshed on each read.
    this.#sweeper = setInterval(() => this.#sweep(Date.now()), SWEEP_MS);
    this.#sweeper.unref();
  }

  accept(socket: Socket): void {
    const conversation: Conversation = {
      owner: this,
      socket,
      pending: undefined,
      busy: false,
      headSince: 0,
      deadline: Date.now() + this.#options.headersMs,
      written: 0,
      ended: false,
    };
    (socket as PhoneSocket)[CONVERSATION] = conversation;
    this.#open.add(conversation);
    socket.on('data', PhoneConnections.#onData);
    socket.on('end', PhoneConnections.#onEnd);
    socket.on('error', PhoneConnections.#onError);
    socket.on('close', PhoneConnections.#onClose);
  }

  static #onData(this: PhoneSocket, chunk: Buffer): void {
    const conversation = this[CONVERSATION]!;
    conversation.owner.#receive(conversation, chunk);
  }

  static #onEnd(this: PhoneSocket): void {
    const conversation = this[CONVERSATION]!;
    conversation.ended = true;
    if (!conversation.busy) conversation.owner.#outbox.end(this);
  }

  static #onError(this: PhoneSocket): void {
    this.destroy();
  }

  static #onClose(this: PhoneSocket): void {
    const conversation = this[CONVERSATION]!;
    conversation.owner.#forget(conversation);
  }

  /**
   * Ends connections waiting for a request; busy ones end after their reply (the sweeper
   * still drops a stalled one, then stops with the last connection).
   */
  closeIdle(): void {
    this.#closing = true;
    for (const conversation of this.#open) {
      if (!conversation.busy) conversation.socket.destroy();
    }
    if (this.#open.size === 0) clearInterval(this.#sweeper);
  }

  /** Ends every connection, replies under way too: a shutdown's deadline passed. */
  closeAll(): void {
    this.#closing = true;
    for (const conversation of this.#open) conversation.socket.destroy();
    clearInterval(this.#sweeper);
  }

  #forget(conversation: Conversation): void {
    this.#open.delete(conversation);
    if (this.#closing && this.#open.size === 0) clearInterval(this.#sweeper);
  }

  #receive(conversation: Conversation, chunk: Buffer): void {
    conversation.pending =
      conversation.pending === undefined ? chunk : Buffer.concat([conversation.pending, chunk]);
    if (conversation.headSince === 0) {
      conversation.headSince = Date.now();
      if (!conversation.busy)
        conversation.deadline = conversation.headSince + this.#options.headersMs;
    }
    if (!conversation.busy) this.#next(conversation);
    // A phone pipelining faster than it is answered waits for its replies.
    else if (conversation.pending.length > this.#options.maxHeadBytes) conversation.socket.pause();
  }

  /** Answers the next complete request in `pending`, if there is one. */
  #next(conversation: Conversation): void {
    const { socket } = conversation;
    const pending = conversation.pending;
    if (pending === undefined) {
      if (conversation.ended || this.#closing) this.#outbox.end(socket);
      else conversation.deadline = Date.now() + this.#options.keepAliveMs;
      return;
    }
    const end = pending.indexOf(HEAD_END);
    if (end < 0) {
      // A head ended by bare line feeds is no head of ours; node:http says what it is.
      if (pending.length > this.#options.maxHeadBytes || pending.includes(BARE_END)) {
        this.#handOver(conversation);
      } else {
        conversation.deadline = conversation.headSince + this.#options.headersMs;
      }
      return;
    }
    const head =
      end <= this.#options.maxHeadBytes
        ? readPhoneHead(pending.toString('latin1', 0, end))
        : undefined;
    if (head === undefined) {
      this.#handOver(conversation);
      return;
    }
    const rest = end + HEAD_END.length;
    conversation.pending = rest === pending.length ? undefined : pending.subarray(rest);
    conversation.headSince = conversation.pending === undefined ? 0 : Date.now();
    conversation.busy = true;
    conversation.deadline = Date.now() + this.#options.stallMs;
    conversation.written = socket.bytesWritten;
    this.#answer(conversation, head).then(
      (keepAlive) => {
        conversation.busy = false;
        if (socket.isPaused()) socket.resume();
        if (!keepAlive || socket.destroyed) {
          this.#outbox.end(socket);
          return;
        }
        this.#next(conversation);
      },
      () => socket.destroy(),
    );
  }

  /** Answers one request; resolves whether the connection stays open. */
  async #answer(conversation: Conversation, head: ParsedHead): Promise<boolean> {
    const { socket } = conversation;
    const keepAlive = head.keepAlive && !this.#closing && !conversation.ended;
    let answer;
    try {
      answer = await this.#options.provisioner.answer(
        provisioningRequest(head, this.#options.scheme, socket),
      );
    } catch {
      this.#outbox.write(socket, Buffer.from(this.#head(500, { 'content-length': 0 }, false)));
      return false;
    }
    if (socket.destroyed) {
      answer.done({ status: 499, bytes: 0, reason: 'aborted' });
      return false;
    }
    const reply = planReply(answer, {
      head: head.method === 'HEAD',
      ifNoneMatch: head.ifNoneMatch,
      range: head.range,
    });
    if ('outcome' in reply) {
      answer.done(reply.outcome);
      this.#outbox.write(
        socket,
        withBody(this.#head(reply.status, reply.headers, keepAlive), reply.body),
      );
      return keepAlive;
    }
    // Earlier replies on this connection go first; a stream then writes for itself.
    this.#outbox.flush();
    socket.write(this.#head(reply.status, reply.headers, keepAlive), 'latin1');
    const source = answer.open!(reply.stream);
    let bytes = 0;
    source.on('data', (chunk: Buffer) => (bytes += chunk.length));
    try {
      await pump(source, socket, { end: false });
      answer.done({ status: reply.status, bytes });
      return keepAlive;
    } catch {
      answer.done({ status: 499, bytes, reason: 'aborted' });
      socket.destroy();
      return false;
    }
  }

  #head(status: number, headers: ReplyHeaders, keepAlive: boolean): string {
    return responseHead(status, headers, keepAlive && Math.floor(this.#options.keepAliveMs / 1000));
  }

  /**
   * Drops connections past their deadline: a phone that never sent (or never finished) a
   * request, stayed idle past the keep-alive time, or stopped reading its reply. A reply
   * still moving gets more time.
   */
  #sweep(now: number): void {
    for (const conversation of this.#open) {
      if (now < conversation.deadline) continue;
      const { socket } = conversation;
      if (conversation.busy && socket.bytesWritten !== conversation.written) {
        conversation.written = socket.bytesWritten;
        conversation.deadline = now + this.#options.stallMs;
        continue;
      }
      socket.destroy();
    }
  }

  /**
   * Gives the connection to node:http once every reply owed on it has left: what node:http
   * writes then follows them, and a connection it closes at once (a malformed head, CONNECT)
   * has already sent them. A reply the kernel has not taken whole is waited for.
   */
  #handOver(conversation: Conversation): void {
    const { socket, pending } = conversation;
    socket.off('data', PhoneConnections.#onData);
    socket.off('end', PhoneConnections.#onEnd);
    socket.off('error', PhoneConnections.#onError);
    socket.off('close', PhoneConnections.#onClose);
    (socket as PhoneSocket)[CONVERSATION] = undefined;
    this.#forget(conversation);
    this.#outbox.flush();
    if (socket.writableLength === 0) {
      this.#options.handOver(socket, pending);
      return;
    }
    socket.pause();
    socket.on('error', destroyOnError);
    // A phone that never reads its replies is dropped, as the sweeper would.
    const stalled = setTimeout(() => socket.destroy(), this.#options.stallMs);
    stalled.unref();
    const drained = (): void => {
      clearTimeout(stalled);
      socket.off('error', destroyOnError);
      socket.off('close', drained);
      socket.off('drain', drained);
      if (!socket.destroyed) this.#options.handOver(socket, pending);
    };
    socket.once('drain', drained);
    socket.once('close', drained);
  }
}

/**
 * Replies worked out in one turn of the event loop leave together at its end. Written one
 * by one, each reply wakes the phone's side separately; a storm's replies come in bursts,
 * and a burst written back to back costs the kernel far fewer wake-ups. Order per
 * connection is kept: a connection's writes and its end are queued in the order made.
 */
class Outbox {
  #sockets: Socket[] = [];
  #data: (Buffer | undefined)[] = [];
  #ends: boolean[] = [];
  #scheduled = false;

  write(socket: Socket, data: Buffer): void {
    this.#push(socket, data, false);
  }

  /** Writes `data` if given, then closes the connection. */
  end(socket: Socket, data?: Buffer): void {
    this.#push(socket, data, true);
  }

  readonly flush = (): void => {
    this.#scheduled = false;
    const sockets = this.#sockets;
    const data = this.#data;
    const ends = this.#ends;
    this.#sockets = [];
    this.#data = [];
    this.#ends = [];
    for (let i = 0; i < sockets.length; i += 1) {
      const socket = sockets[i]!;
      if (socket.destroyed) continue;
      const bytes = data[i];
      if (bytes !== undefined) socket.write(bytes);
      if (ends[i]) closeWhenFlushed(socket);
    }
  };

  #push(socket: Socket, data: Buffer | undefined, end: boolean): void {
    this.#sockets.push(socket);
    this.#data.push(data);
    this.#ends.push(end);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.flush);
    }
  }
}

/**
 * Closes a connection once its replies are in the kernel's hands. Not `end()`: a half-close
 * costs a shutdown call and a wait for the phone's own FIN per connection, and phones open
 * one per file; the kernel still sends what is queued, then its FIN.
 */
function destroyOnError(this: Socket): void {
  this.destroy();
}

function closeWhenFlushed(socket: Socket): void {
  if (socket.writableLength === 0) socket.destroy();
  else socket.once('drain', () => socket.destroy());
}

function withBody(head: string, body: Buffer | undefined): Buffer {
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
function responseHead(status: number, headers: ReplyHeaders, keepAlive: number | false): string {
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
