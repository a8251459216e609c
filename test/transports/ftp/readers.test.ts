import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, test } from 'node:test';

import type { Provisioner, TransferOutcome } from '../../../src/provisioning/request.ts';
import { FtpSession, type FtpSessionOptions } from '../../../src/transports/ftp/session.ts';
import { hugeAnswer } from './answers.ts';

// Clients that send but do not read: the replies they leave unread, the commands they pile
// up, the download they never take. Each session runs behind a listener of the test's own,
// so that the server's side of the control connection can be looked at. Every loop and wait
// is bounded; no test measures how long anything took.

const outcomes: TransferOutcome[] = [];
let release: () => void = () => undefined;

const provisioner: Provisioner = {
  async answer(request) {
    const done = (outcome: TransferOutcome): void => void outcomes.push(outcome);
    if (request.rawPath === '/huge.bin') return hugeAnswer(done);
    if (request.rawPath === '/slow.cfg') {
      // A store that takes its time: the commands sent after this one wait their turn.
      await new Promise<void>((resolve) => (release = resolve));
    }
    return { status: 404, contentType: 'text/plain', size: 0, done };
  },
};

const listeners: Server[] = [];
after(() => listeners.forEach((listener) => listener.close()));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `promise` settles within `ms`. */
function settles(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([promise.then(() => true), late]).finally(() => clearTimeout(timer));
}

interface Control {
  client: Socket;
  /** The server's side of the control connection. */
  server: Socket;
  /** Resolves when the server's side has closed. */
  closed: Promise<void>;
  /** The next single-line reply, or undefined when none came within 10 s. */
  reply(): Promise<string | undefined>;
}

/** A session with `options`, greeted and logged in anonymously. */
async function loggedIn(options: Partial<FtpSessionOptions>): Promise<Control> {
  let accepted: (socket: Socket) => void = () => undefined;
  const server = new Promise<Socket>((resolve) => (accepted = resolve));
  const listener = createServer((socket) => {
    socket.on('error', () => undefined);
    const session = new FtpSession(socket, { provisioner, ...options });
    socket.once('close', () => session.dispose());
    session.start();
    accepted(socket);
  });
  listeners.push(listener);
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const client = connect((listener.address() as AddressInfo).port, '127.0.0.1');
  client.on('error', () => undefined);
  let buffer = '';
  const ready: string[] = [];
  let wake: () => void = () => undefined;
  client.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let end: number;
    while ((end = buffer.indexOf('\r\n')) >= 0) {
      ready.push(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
    }
    wake();
  });
  const reply = async (): Promise<string | undefined> => {
    if (ready.length === 0) {
      await settles(new Promise<void>((resolve) => (wake = resolve)), 10_000);
    }
    return ready.shift();
  };
  const side = await server;
  const closed = new Promise<void>((resolve) => side.once('close', () => resolve()));
  assert.match((await reply()) ?? '', /^220 /);
  client.write('USER anonymous\r\n');
  assert.match((await reply()) ?? '', /^331 /);
  client.write('PASS phone@example.com\r\n');
  assert.match((await reply()) ?? '', /^230 /);
  return { client, server: side, closed, reply };
}

test('a client that sends commands and never reads the replies is not read either, until the idle deadline ends it', async () => {
  const c = await loggedIn({ idleTimeoutMs: 500 });
  c.client.pause();
  // Bursts under 4 KiB, each sent once the server has read the one before (while it reads):
  // a client sending HELP every few milliseconds, whose lines never arrive 4 KiB at once.
  const burst = 'HELP\r\n'.repeat(600);
  let sent = c.server.bytesRead;
  let most = 0;
  let gone = false;
  void c.closed.then(() => (gone = true));
  const until = Date.now() + 20_000;
  // Unbounded, the replies kept pass 1 MiB within a few hundred bursts.
  for (let i = 0; i < 4000 && !gone && most < 1024 * 1024 && Date.now() < until; i++) {
    for (let wait = 0; wait < 200 && c.server.bytesRead < sent; wait++) await sleep(1);
    c.client.write(burst);
    sent += burst.length;
    most = Math.max(most, c.server.writableLength);
  }
  assert.ok(most < 128 * 1024, `${most} bytes of replies kept for a client that does not read`);
  assert.ok(await settles(c.closed, 10_000), 'the idle deadline closed it');
  c.client.destroy();
});

test('commands pipelined behind one still being answered: past 32 none are read, then all are answered in order', async () => {
  const c = await loggedIn({});
  c.client.write('EPSV\r\n');
  assert.match((await c.reply()) ?? '', /^229 /);
  c.client.write(`RETR /slow.cfg\r\n${'NOOP\r\n'.repeat(100)}`);
  let paused = false;
  for (let i = 0; i < 200 && !(paused = c.server.isPaused()); i++) await sleep(10);
  assert.ok(paused, 'the control connection is not read while 32 commands wait');
  release();
  assert.match((await c.reply()) ?? '', /^550 /);
  for (let i = 0; i < 100; i++) assert.equal(await c.reply(), '200 NOOP ok.', `NOOP ${i + 1}`);
  assert.equal(c.server.isPaused(), false, 'read again once the queue has room');
  c.client.destroy();
});

test('a download the client stops taking is cut with 426, and the session goes back to its idle deadline', async () => {
  const c = await loggedIn({ transferStallMs: 300, idleTimeoutMs: 1000 });
  /** RETR of 16 MiB on a data connection that reads, or that takes nothing at all. */
  const retrieve = async (read: boolean): Promise<Socket> => {
    c.client.write('EPSV\r\n');
    const port = Number(/\(\|\|\|(\d+)\|\)/.exec((await c.reply()) ?? '')?.[1]);
    c.client.write('RETR /huge.bin\r\n');
    const data = connect(port, '127.0.0.1');
    data.on('error', () => undefined);
    if (!read) data.pause();
    assert.match((await c.reply()) ?? '', /^150 /);
    return data;
  };
  // A reader that keeps taking bytes is never cut, however small the deadline.
  const reader = await retrieve(true);
  let bytes = 0;
  reader.on('data', (chunk: Buffer) => (bytes += chunk.length));
  assert.match((await c.reply()) ?? '', /^226 /);
  assert.ok(await settles(new Promise((resolve) => reader.once('close', resolve)), 10_000));
  assert.equal(bytes, 16 * 1024 * 1024);
  // One that stops is, and recorded as such.
  const stalled = await retrieve(false);
  assert.match((await c.reply()) ?? '', /^426 No byte taken/);
  assert.equal(outcomes.at(-1)?.status, 408);
  assert.match(outcomes.at(-1)?.reason ?? '', /^stalled/);
  stalled.destroy();
  assert.match((await c.reply()) ?? '', /^421 Timeout/, 'idle again, and closed at its deadline');
  assert.ok(await settles(c.closed, 10_000));
  c.client.destroy();
});
