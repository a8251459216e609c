// The phone emulation's FTP client: what a phone given `ftp://[user:password@]host/file`
// does — log in (anonymous without a user), binary, extended passive, RETR, quit.

import { connect, type Socket } from 'node:net';

export interface Reply {
  code: number;
  text: string;
}

const MAX_BODY = 256 * 1024 * 1024;
/** Replies are a few lines (a banner, a FEAT list); an unfinished one beyond this is refused. */
export const MAX_REPLY_CHARS = 64 * 1024;

export async function ftpGet(
  url: string,
  options: {
    credentials?: { username: string; password: string };
    timeoutMs?: number;
    /** The phone's own source address, for the control and the data connection. */
    localAddress?: string;
  } = {},
): Promise<{ status: number; body: Buffer }> {
  const target = new URL(url);
  const user = target.username
    ? decodeURIComponent(target.username)
    : (options.credentials?.username ?? 'anonymous');
  const password = target.username
    ? decodeURIComponent(target.password)
    : (options.credentials?.password ?? 'phone@plugndial');
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const from = options.localAddress ? { localAddress: options.localAddress } : {};
  const control = connect({ port: Number(target.port || 21), host, ...from });
  const replies = replyReader(control);
  let data: Socket | undefined;
  // Both connections: a server that stalls the data connection must not hold the phone.
  const timer = setTimeout(() => {
    control.destroy(new Error('timed out'));
    data?.destroy(new Error('timed out'));
  }, options.timeoutMs ?? 30_000);
  try {
    await new Promise<void>((resolve, reject) => {
      control.once('connect', resolve);
      control.once('error', reject);
    });
    const send = async (line: string): Promise<Reply> => {
      control.write(`${line}\r\n`);
      return replies.next();
    };
    if ((await replies.next()).code !== 220) return { status: 503, body: Buffer.alloc(0) };
    const userReply = await send(`USER ${user}`);
    const login = userReply.code === 331 ? await send(`PASS ${password}`) : userReply;
    if (login.code !== 230) return { status: 401, body: Buffer.alloc(0) };
    await send('TYPE I');
    const passive = await send('EPSV');
    const port = epsvPort(passive.text);
    if (passive.code !== 229 || port === undefined) return { status: 502, body: Buffer.alloc(0) };
    data = connect({ port, host, ...from });
    const body = collect(data);
    // The data connection may fail while the RETR reply is awaited, before `body` is: its
    // failure is this fetch's (read below), never the process's unhandled rejection.
    body.catch(() => undefined);
    // The query too, as the phone was given it: some phones' file names carry one (`?mac=`).
    const retr = await send(`RETR ${decodeURIComponent(target.pathname)}${target.search}`);
    if (retr.code !== 150 && retr.code !== 125) {
      data.destroy();
      await body.catch(() => undefined);
      return { status: retr.code === 550 ? 404 : 502, body: Buffer.alloc(0) };
    }
    const bytes = await body;
    const done = await replies.next();
    await send('QUIT').catch(() => undefined);
    return { status: done.code === 226 ? 200 : 502, body: bytes };
  } finally {
    clearTimeout(timer);
    control.destroy();
    data?.destroy();
  }
}

function collect(socket: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) socket.destroy(new Error('file too large'));
      else chunks.push(chunk);
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** Reads replies one by one, joining multi-line ones (`123-…` up to `123 …`). */
function replyReader(socket: Socket): { next(): Promise<Reply> } {
  let buffer = '';
  const ready: Reply[] = [];
  const waiting: ((reply: Reply) => void)[] = [];
  let failure: Error | undefined;
  const fail = (error: Error): void => {
    failure = error;
    for (const wait of waiting.splice(0)) wait({ code: 0, text: error.message });
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('connection closed')));
  socket.on('data', (chunk: Buffer) => {
    const taken = takeReplies(buffer + chunk.toString('utf8'));
    buffer = taken.rest;
    // A server that never ends its reply would grow the buffer, and the search, without end.
    if (buffer.length > MAX_REPLY_CHARS) {
      socket.destroy(new Error(`a reply of more than ${MAX_REPLY_CHARS} characters`));
      return;
    }
    for (const reply of taken.replies) {
      const wait = waiting.shift();
      if (wait) wait(reply);
      else ready.push(reply);
    }
  });
  return {
    next(): Promise<Reply> {
      const reply = ready.shift();
      if (reply) return Promise.resolve(reply);
      if (failure) return Promise.resolve({ code: 0, text: failure.message });
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}

/**
 * The complete replies at the front of what the server sent, and what is left for the next
 * chunk. A reply ends with its `123 ` line; the `123-` lines before it are part of it.
 */
export function takeReplies(buffer: string): { replies: Reply[]; rest: string } {
  const replies: Reply[] = [];
  let rest = buffer;
  let match: RegExpExecArray | null;
  while ((match = /^(\d{3}) [^\n]*\n/m.exec(rest)) !== null) {
    const end = match.index + match[0].length;
    replies.push({ code: Number(match[1]), text: rest.slice(0, end).trim() });
    rest = rest.slice(end);
  }
  return { replies, rest };
}

/** The data port of a 229 reply, `(|||port|)` (RFC 2428); undefined for no port a socket takes. */
export function epsvPort(text: string): number | undefined {
  const digits = /\(\|\|\|(\d{1,5})\|\)/.exec(text)?.[1];
  const port = Number(digits);
  return digits !== undefined && port >= 1 && port <= 65535 ? port : undefined;
}
