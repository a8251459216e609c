// The phone emulation's HTTP(S) client: a GET with the phone's User-Agent (a PUT when it
// uploads) that answers a 401 with Digest (the first algorithm offered that it knows, as
// phones and curl do), or Basic over TLS only, and takes the CA and client certificate a
// phone would hold; and the plain POST a TR-069 CPE sends its ACS.
//
// It speaks HTTP/1.1 over a socket of its own, as a phone's small embedded client does:
// one request at a time, the connection kept for the phone's next file. Not node:http's
// client: its agent, request and response objects cost the emulated phones of a boot storm
// more CPU than the server they measure spends on the same file (bench/storm.ts runs both on
// one machine), which would make the storm a measure of the emulation.

import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, createSecureContext, type SecureContext } from 'node:tls';

import { digestAuthorization, parseDigestChallenge } from '../crypto/digest.ts';

/** What the phone holds for TLS: the CA it trusts, its own certificate and key (PEM). */
export interface PhoneTls {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface HttpGetOptions {
  userAgent?: string;
  credentials?: { username: string; password: string };
  tls?: PhoneTls;
  timeoutMs?: number;
  /** Sends these bytes with PUT instead of a GET (a phone uploading a log or an override). */
  upload?: Buffer;
  /** The phone's own source address (each emulated phone of a storm has one in 127.0.0.0/8). */
  localAddress?: string;
  /** The connections the phone keeps alive between its requests (else one per request). */
  connections?: KeptConnections;
}

/**
 * One phone's kept-alive connections, one per server it talks to: closing them is the phone
 * closing its connections at the end of its boot.
 */
export class KeptConnections {
  readonly #idle = new Map<string, Socket>();

  /** The idle connection to this server, if it is still open. */
  take(key: string): Socket | undefined {
    const socket = this.#idle.get(key);
    if (!socket) return undefined;
    this.#idle.delete(key);
    if (!socket.destroyed && !socket.readableEnded) return socket;
    socket.destroy();
    return undefined;
  }

  keep(key: string, socket: Socket): void {
    const earlier = this.#idle.get(key);
    if (earlier && earlier !== socket) earlier.destroy();
    this.#idle.set(key, socket);
  }

  close(): void {
    for (const socket of this.#idle.values()) socket.destroy();
    this.#idle.clear();
  }
}

/** Files a phone fetches are small; anything beyond this is cut off as a failure. */
const MAX_BODY = 256 * 1024 * 1024;
/** A response head beyond this is no server's a phone would talk to. */
const MAX_HEAD = 64 * 1024;

export async function httpGet(
  url: string,
  options: HttpGetOptions = {},
): Promise<{ status: number; body: Buffer }> {
  const target = new URL(url);
  const credentials =
    options.credentials ??
    (target.username
      ? {
          username: decodeURIComponent(target.username),
          password: decodeURIComponent(target.password),
        }
      : undefined);
  target.username = '';
  target.password = '';
  const first = await once(target, options, undefined);
  if (first.status !== 401 || !credentials) return first;
  const authorization = answer(first.challenges, credentials, target, options.upload !== undefined);
  if (!authorization) return first;
  return once(target, options, authorization);
}

function answer(
  challenges: string[],
  credentials: { username: string; password: string },
  target: URL,
  put: boolean,
): string | undefined {
  for (const text of challenges) {
    const digest = parseDigestChallenge(text);
    if (digest && (digest.algorithm === 'SHA-256' || digest.algorithm === 'MD5')) {
      return digestAuthorization(digest, credentials, {
        method: put ? 'PUT' : 'GET',
        uri: `${target.pathname}${target.search}`,
        cnonce: randomBytes(12).toString('hex'),
        nc: 1,
      });
    }
    if (/^\s*Basic\b/i.test(text) && target.protocol === 'https:') {
      return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    }
  }
  return undefined;
}

interface Exchanged {
  status: number;
  body: Buffer;
  challenges: string[];
  /** Each Set-Cookie of the answer, as sent. */
  cookies: string[];
}

/** A POST's own parts: its body and the headers beyond those every request has. */
interface PostParts {
  body: Buffer;
  headers: readonly (readonly [string, string])[];
}

export interface HttpPostOptions extends Pick<
  HttpGetOptions,
  'timeoutMs' | 'localAddress' | 'connections' | 'tls'
> {
  /** Headers beyond Host, Content-Length and Connection (a SOAP action, a cookie, credentials). */
  headers?: readonly (readonly [string, string])[];
}

/**
 * One POST over HTTP or HTTPS (a TR-069 CPE's message to its ACS): no credentials of its
 * own, since the CPE answers a challenge itself; the answer's challenges and cookies come back.
 */
export async function httpPost(
  url: string,
  body: Buffer,
  options: HttpPostOptions = {},
): Promise<Exchanged> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new Error(`httpPost speaks http: and https:, not ${target.protocol}`);
  return once(target, options, undefined, { body, headers: options.headers ?? [] });
}

async function once(
  target: URL,
  options: HttpGetOptions,
  authorization: string | undefined,
  post?: PostParts,
): Promise<Exchanged> {
  const secure = target.protocol === 'https:';
  const kept = options.connections;
  const key = `${target.protocol}//${target.host}`;
  const method = post ? 'POST' : options.upload ? 'PUT' : 'GET';
  const lines = [`${method} ${target.pathname}${target.search} HTTP/1.1`, `Host: ${target.host}`];
  if (options.userAgent) lines.push(`User-Agent: ${options.userAgent}`);
  if (authorization) lines.push(`Authorization: ${authorization}`);
  for (const [name, value] of post?.headers ?? []) lines.push(`${name}: ${value}`);
  const sent = post?.body ?? options.upload;
  if (sent) lines.push(`Content-Length: ${sent.length}`);
  lines.push(kept ? 'Connection: keep-alive' : 'Connection: close', '', '');
  const head = Buffer.from(lines.join('\r\n'), 'latin1');
  const request = sent && sent.length > 0 ? Buffer.concat([head, sent]) : head;
  const timeoutMs = options.timeoutMs ?? 30_000;

  const reused = kept?.take(key);
  if (reused) {
    try {
      return await exchange(reused, request, timeoutMs, kept, key);
    } catch (error) {
      // The server closed the idle connection as the request left: a new one, once.
      if (!(error instanceof Unanswered)) throw error;
    }
  }
  const socket = open(target, secure, options);
  return exchange(socket, request, timeoutMs, kept, key);
}

function open(target: URL, secure: boolean, options: HttpGetOptions): Socket {
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(target.port) || (secure ? 443 : 80);
  const from = options.localAddress ? { localAddress: options.localAddress } : {};
  const socket = secure
    ? tlsConnect({ host, port, ...from, secureContext: secureContextOf(options.tls ?? NO_TLS) })
    : netConnect({ host, port, ...from });
  socket.setNoDelay(true);
  // An idle kept connection that fails is simply gone; a request's own failure is its own.
  socket.on('error', () => undefined);
  return socket;
}

/**
 * The TLS context of what a phone holds, made once: the CA and its own certificate are
 * parsed for the context, and a storm's phones that share them (one CA for a site) would
 * otherwise parse them again for every connection.
 */
const CONTEXTS = new WeakMap<PhoneTls, SecureContext>();
/** A phone that holds nothing of its own trusts the usual public CAs. */
const NO_TLS: PhoneTls = {};
function secureContextOf(tls: PhoneTls): SecureContext {
  let context = CONTEXTS.get(tls);
  if (!context) {
    context = createSecureContext({
      ...(tls.ca ? { ca: tls.ca } : {}),
      ...(tls.cert ? { cert: tls.cert } : {}),
      ...(tls.key ? { key: tls.key } : {}),
      minVersion: 'TLSv1.2',
    });
    CONTEXTS.set(tls, context);
  }
  return context;
}

/** A kept connection closed before any byte of the answer came: safe to ask again. */
class Unanswered extends Error {}

/** The server sent nothing for the request's timeout. */
export class AnswerTimeout extends Error {
  constructor() {
    super('timed out');
  }
}

/** Sends the request and reads one response from the socket; keeps the socket if it may. */
function exchange(
  socket: Socket,
  request: Buffer,
  timeoutMs: number,
  kept: KeptConnections | undefined,
  key: string,
): Promise<Exchanged> {
  return new Promise((resolve, reject) => {
    const reader = new ResponseReader();
    let received = false;
    let settled = false;
    const finish = (error: Error | undefined, done?: Answered): void => {
      if (settled) return;
      settled = true;
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      socket.off('timeout', onTimeout);
      socket.setTimeout(0);
      if (error || !done) {
        socket.destroy();
        reject(error ?? new Error('connection closed'));
        return;
      }
      if (kept && done.keepAlive && !socket.destroyed) kept.keep(key, socket);
      else socket.destroy();
      resolve({
        status: done.status,
        body: done.body,
        challenges: done.challenges,
        cookies: done.cookies,
      });
    };
    const onData = (chunk: Buffer): void => {
      received = true;
      try {
        const done = reader.feed(chunk);
        if (done) finish(undefined, done);
      } catch (error) {
        finish(error as Error);
      }
    };
    const onEnd = (): void => {
      const done = reader.end();
      if (done) finish(undefined, done);
      else
        finish(received ? new Error('connection closed mid-answer') : new Unanswered('no answer'));
    };
    const onError = (error: Error): void =>
      finish(received ? error : new Unanswered(error.message));
    const onTimeout = (): void => finish(new AnswerTimeout());
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onError);
    socket.on('timeout', onTimeout);
    socket.setTimeout(timeoutMs);
    socket.write(request);
  });
}

interface Answered {
  status: number;
  body: Buffer;
  challenges: string[];
  cookies: string[];
  keepAlive: boolean;
}

/**
 * Reads one HTTP/1.1 response as it arrives: the head (1xx heads skipped), then a body by
 * Content-Length, by chunks, or up to the close.
 */
class ResponseReader {
  #buffered: Buffer = Buffer.alloc(0);
  #head:
    { status: number; challenges: string[]; cookies: string[]; keepAlive: boolean } | undefined;
  #length: number | undefined;
  #chunked = false;
  #untilClose = false;
  #body: Buffer[] = [];
  #size = 0;

  feed(chunk: Buffer): Answered | undefined {
    this.#buffered = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
    while (!this.#head) {
      const end = this.#buffered.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.#buffered.length > MAX_HEAD) throw new Error('response head too large');
        return undefined;
      }
      const text = this.#buffered.subarray(0, end).toString('latin1');
      this.#buffered = this.#buffered.subarray(end + 4);
      this.#readHead(text);
    }
    if (this.#untilClose) {
      this.#take(this.#buffered);
      this.#buffered = Buffer.alloc(0);
      return undefined;
    }
    if (this.#chunked) return this.#readChunks();
    const want = this.#length! - this.#size;
    if (this.#buffered.length < want) {
      this.#take(this.#buffered);
      this.#buffered = Buffer.alloc(0);
      return undefined;
    }
    this.#take(this.#buffered.subarray(0, want));
    return this.#answered(this.#buffered.length === want);
  }

  /** The connection ended: a body read up to the close is complete, any other is not. */
  end(): Answered | undefined {
    if (this.#head && this.#untilClose) return { ...this.#answered(true), keepAlive: false };
    return undefined;
  }

  #readHead(text: string): void {
    const lines = text.split('\r\n');
    const status = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]!);
    if (!status) throw new Error(`not an HTTP response: ${lines[0]!.slice(0, 80)}`);
    const code = Number(status[2]);
    if (code >= 100 && code < 200) return;
    let connection = '';
    let length: string | undefined;
    let encoding = '';
    const challenges: string[] = [];
    const cookies: string[] = [];
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Error(`malformed response header: ${line.slice(0, 80)}`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') length = value;
      else if (name === 'transfer-encoding') encoding = value.toLowerCase();
      else if (name === 'connection') connection = value.toLowerCase();
      else if (name === 'www-authenticate') challenges.push(...challengesOf(value));
      else if (name === 'set-cookie') cookies.push(value);
    }
    const http10 = status[1] === '0';
    const keepAlive = http10 ? /\bkeep-alive\b/.test(connection) : !/\bclose\b/.test(connection);
    this.#head = { status: code, challenges, cookies, keepAlive };
    if (encoding.endsWith('chunked')) this.#chunked = true;
    else if (code === 204 || code === 304) this.#length = 0;
    else if (length !== undefined) {
      if (!/^\d{1,15}$/.test(length)) throw new Error(`bad Content-Length: ${length.slice(0, 20)}`);
      this.#length = Number(length);
      if (this.#length > MAX_BODY) throw new Error('response too large');
    } else this.#untilClose = true;
  }

  /** Chunked transfer coding: size line, data, CRLF; a zero size, trailers and CRLF end it. */
  #readChunks(): Answered | undefined {
    for (;;) {
      const line = this.#buffered.indexOf('\r\n');
      if (line < 0) return undefined;
      const size = parseInt(this.#buffered.subarray(0, line).toString('latin1'), 16);
      if (!Number.isSafeInteger(size) || size < 0) throw new Error('bad chunk size');
      if (size === 0) {
        const end = this.#buffered.indexOf('\r\n\r\n', line);
        if (end < 0) return undefined;
        return this.#answered(this.#buffered.length === end + 4);
      }
      if (this.#buffered.length < line + 2 + size + 2) return undefined;
      this.#take(this.#buffered.subarray(line + 2, line + 2 + size));
      this.#buffered = this.#buffered.subarray(line + 2 + size + 2);
    }
  }

  #take(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.#size += bytes.length;
    if (this.#size > MAX_BODY) throw new Error('response too large');
    this.#body.push(bytes);
  }

  /** The response is whole; the connection is kept only when nothing unasked-for follows it. */
  #answered(clean: boolean): Answered {
    const head = this.#head!;
    const body = this.#body.length === 1 ? this.#body[0]! : Buffer.concat(this.#body);
    return {
      status: head.status,
      body,
      challenges: head.challenges,
      cookies: head.cookies,
      keepAlive: head.keepAlive && clean,
    };
  }
}

/** The challenges of a WWW-Authenticate value: several may share one, each starting with its scheme. */
export function challengesOf(header: string | undefined): string[] {
  return header ? header.split(/,\s*(?=(?:Digest|Basic)\s)/i) : [];
}
