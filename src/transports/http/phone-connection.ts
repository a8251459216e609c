// The phones' side of the HTTP door: a lean HTTP/1.1 reader and writer for the requests a
// boot storm is made of (GET or HEAD of a file, a handful of headers; a PUT of a small log),
// straight from the socket to the pipeline. Anything else — the admin API, other bodies,
// upgrades, oversized or malformed heads, unusual characters — is handed, with the bytes
// already read, to node:http, whose parser answers it as it always did. So the fast path only
// ever sees requests it understands completely, and the strict parser still has the last word
// on everything else.
//
// Heads are read by phone-head.ts, replies planned by phone-reply.ts and written through
// outbox.ts with response-head.ts; this file keeps each connection's turn and deadlines.

import type { Socket } from 'node:net';
import { Readable } from 'node:stream';

import type { Provisioner, UploadAnswer } from '../../provisioning/request.ts';
import { Outbox } from './outbox.ts';
import { readPhoneHead, type ParsedHead } from './phone-head.ts';
import { planReply, type ReplyHeaders } from './phone-reply.ts';
import { provisioningRequest } from './phone-request.ts';
import { uploadReply } from './phone-upload.ts';
import { responseHead, withBody } from './response-head.ts';

export { readPhoneHead } from './phone-head.ts';

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
  /** A request head was taken (busy) or its answer sent (not): the door's connection table. */
  onTurn?: (socket: Socket, busy: boolean) => void;
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
/**
 * Replies a connection may have waiting to go out before its next request is answered. A
 * phone reads each reply before it asks again; a client that pipelines requests and reads
 * nothing would otherwise have the server hold every reply it asked for (a 35-byte request
 * for a 60 KB file, over and over).
 */
const MAX_UNSENT = 64 * 1024;
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
    // A PUT's body (at most MAX_LEAN_BODY) is read whole before the request is answered.
    const rest = end + HEAD_END.length + (head.bodyLength ?? 0);
    if (rest > pending.length) {
      conversation.deadline = conversation.headSince + this.#options.headersMs;
      return;
    }
    if (this.#backlogged(conversation)) return;
    const body =
      head.bodyLength === undefined ? undefined : pending.subarray(rest - head.bodyLength, rest);
    conversation.pending = rest === pending.length ? undefined : pending.subarray(rest);
    conversation.headSince = conversation.pending === undefined ? 0 : Date.now();
    conversation.busy = true;
    this.#options.onTurn?.(socket, true);
    conversation.deadline = Date.now() + this.#options.stallMs;
    conversation.written = socket.bytesWritten;
    (body === undefined
      ? this.#answer(conversation, head)
      : this.#upload(conversation, head, body)
    ).then(
      (keepAlive) => {
        conversation.busy = false;
        this.#options.onTurn?.(socket, false);
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

  /**
   * Whether the connection's replies wait to go out past MAX_UNSENT: then the next request
   * waits for them to drain, as a reply under way, so a client that stopped reading is cut
   * at the stall deadline like one that stopped reading a stream.
   */
  #backlogged(conversation: Conversation): boolean {
    const { socket } = conversation;
    if (socket.writableLength + this.#outbox.queuedFor(socket) <= MAX_UNSENT) return false;
    this.#outbox.flush();
    // Past the socket's high-water mark, so the write said so and 'drain' will come.
    if (socket.writableLength <= MAX_UNSENT) return false;
    conversation.busy = true;
    conversation.deadline = Date.now() + this.#options.stallMs;
    conversation.written = socket.bytesWritten;
    socket.pause();
    socket.once('drain', () => {
      conversation.busy = false;
      socket.resume();
      this.#next(conversation);
    });
    return true;
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
      ifRange: head.ifRange,
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
    const source = answer.open!(reply.stream);
    try {
      const bytes = await streamTo(
        socket,
        this.#head(reply.status, reply.headers, keepAlive),
        source,
      );
      answer.done({ status: reply.status, bytes });
      return keepAlive;
    } catch (error) {
      answer.done({
        status: 499,
        bytes: error instanceof StreamCut ? error.bytes : 0,
        reason: 'aborted',
      });
      socket.destroy();
      return false;
    }
  }

  /**
   * Answers a phone's upload (a boot log, an override) whose body was read whole: the
   * connection stays with the lean reader, where node:http would keep it for good.
   */
  async #upload(conversation: Conversation, head: ParsedHead, body: Buffer): Promise<boolean> {
    const { socket } = conversation;
    const keepAlive = head.keepAlive && !this.#closing && !conversation.ended;
    const provisioner = this.#options.provisioner;
    let answer: UploadAnswer;
    try {
      answer = provisioner.upload
        ? await provisioner.upload(provisioningRequest(head, this.#options.scheme, socket), {
            stream: Readable.from(body.length > 0 ? [body] : []),
            declaredLength: body.length,
          })
        : { status: 405, bodyLeft: true };
    } catch {
      this.#outbox.write(socket, Buffer.from(this.#head(500, { 'content-length': 0 }, false)));
      return false;
    }
    if (socket.destroyed) return false;
    // A body the pipeline did not take (refused, too large) ends the connection, as on
    // node:http: the phone is told to stop rather than to go on.
    const stays = keepAlive && !answer.bodyLeft;
    const reply = uploadReply(answer);
    this.#outbox.write(
      socket,
      withBody(this.#head(answer.status, reply.headers, stays), reply.body),
    );
    return stays;
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

/** While a handed-over socket drains, an error ends it. */
function destroyOnError(this: Socket): void {
  this.destroy();
}

/** A streamed reply that stopped part way, with the body bytes the socket took before. */
class StreamCut extends Error {
  constructor(readonly bytes: number) {
    super('the reply was cut off');
  }
}

/**
 * Writes a reply's head and its streamed body, the head in the same write as the first chunk
 * (a small image is then one write, as a rendered file is), waiting for the socket to drain
 * whenever the kernel's buffer is full. Not stream.pipeline: its abort signal and its
 * end-of-stream watchers cost more than the write of a small file, and a storm has thousands.
 * Returns the body bytes written; a source that fails or a phone that goes away throws
 * StreamCut, and leaving the loop destroys the source.
 */
async function streamTo(socket: Socket, head: string, source: Readable): Promise<number> {
  let bytes = 0;
  let pendingHead: Buffer | undefined = Buffer.from(head, 'latin1');
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (socket.destroyed) throw new StreamCut(bytes);
      const data: Buffer = pendingHead ? Buffer.concat([pendingHead, chunk]) : chunk;
      pendingHead = undefined;
      bytes += chunk.length;
      if (!socket.write(data)) await drained(socket);
    }
  } catch (error) {
    throw error instanceof StreamCut ? error : new StreamCut(bytes);
  }
  if (pendingHead) socket.write(pendingHead);
  return bytes;
}

/** Resolves when the socket's buffer has drained; rejects when it closes first. */
function drained(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      socket.off('close', onClose);
      resolve();
    };
    const onClose = (): void => {
      socket.off('drain', onDrain);
      reject(new Error('closed'));
    };
    socket.once('drain', onDrain);
    socket.once('close', onClose);
  });
}
