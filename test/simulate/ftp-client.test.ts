// The phone emulation's FTP client reading what a server says: replies, the EPSV port, and
// a reply that never ends.

import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';

import { epsvPort, ftpGet, MAX_REPLY_CHARS, takeReplies } from '../../src/simulate/ftp-client.ts';

test('replies: a multi-line reply ends with its "123 " line; the rest waits for more', () => {
  assert.deepEqual(takeReplies('220-Welcome\r\n220 ready\r\n331 Pass'), {
    replies: [{ code: 220, text: '220-Welcome\r\n220 ready' }],
    rest: '331 Pass',
  });
});

test('the EPSV port is one a socket takes, else none (the transfer fails with 502)', () => {
  assert.equal(epsvPort('229 Entering Extended Passive Mode (|||40123|)'), 40123);
  // These made connect() throw ERR_SOCKET_BAD_PORT instead of failing the transfer.
  for (const bad of ['(|||0|)', '(|||65536|)', '(|||99999999|)', '(|||x|)', 'none'])
    assert.equal(epsvPort(`229 ${bad}`), undefined, bad);
});

test(
  'a server whose reply never ends is left once the reply outgrows MAX_REPLY_CHARS',
  { timeout: 30_000 },
  async () => {
    let closed!: () => void;
    const left = new Promise<void>((resolve) => (closed = resolve));
    const sockets: Socket[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
      socket.on('close', closed);
      // A banner with no end of line, twice the bound: the client must not wait for more.
      socket.write('220'.padEnd(2 * MAX_REPLY_CHARS, '-'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      // Without the bound the client waits for its timeout, which is longer than the test's.
      const answer = await ftpGet(`ftp://127.0.0.1:${port}/a.cfg`, { timeoutMs: 600_000 });
      assert.equal(answer.status, 503);
      await left;
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  },
);

test(
  'a data connection reset before the RETR reply fails the fetch, not the process',
  { timeout: 30_000 },
  async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const sockets: Socket[] = [];
    const data = createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
      // A reset, as the kernel sends for a connection still queued when a server closes its
      // passive listener (after a 550, say) before it accepted it.
      socket.resetAndDestroy();
    });
    await new Promise<void>((resolve) => data.listen(0, '127.0.0.1', resolve));
    const dataPort = (data.address() as { port: number }).port;
    // The RETR reply comes only after the reset has reached the client.
    const control = await controlServer(
      () => dataPort,
      (_line, socket) => void setTimeout(() => socket.write('150 sending\r\n226 done\r\n'), 200),
    );
    const { port } = control;
    try {
      const fetched = ftpGet(`ftp://127.0.0.1:${port}/a.cfg`).then(
        (answer) => answer.status,
        (error: Error) => (error as NodeJS.ErrnoException).code ?? error.message,
      );
      assert.equal(await fetched, 'ECONNRESET');
      // An unhandled rejection is reported on a later turn of the loop.
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => data.close(resolve));
      await control.close();
    }
  },
);

/** A control connection that logs in anyone and points EPSV at `dataPort`; RETR as `retr` says. */
async function controlServer(
  dataPort: () => number,
  retr: (line: string, socket: Socket) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const control = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.write('220 ready\r\n');
    socket.on('data', (chunk: Buffer) => {
      const line = chunk.toString('utf8').trim();
      if (line.startsWith('USER')) socket.write('230 in\r\n');
      else if (line.startsWith('TYPE')) socket.write('200 binary\r\n');
      else if (line.startsWith('EPSV'))
        socket.write(`229 Entering Extended Passive Mode (|||${dataPort()}|)\r\n`);
      else if (line.startsWith('RETR')) retr(line, socket);
      else if (line.startsWith('QUIT')) socket.end('221 bye\r\n');
    });
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  return {
    port: (control.address() as { port: number }).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => control.close(resolve));
    },
  };
}

test(
  'a data connection that stalls ends at the timeout; the file name keeps its query',
  { timeout: 30_000 },
  async () => {
    const held: Socket[] = [];
    // A data connection that is accepted and then says nothing, ever.
    const data = createServer((socket) => void held.push(socket.on('error', () => undefined)));
    await new Promise<void>((resolve) => data.listen(0, '127.0.0.1', resolve));
    const dataPort = (): number => (data.address() as { port: number }).port;
    const asked: string[] = [];
    const control = await controlServer(dataPort, (line, socket) => {
      asked.push(line);
      socket.write('150 sending\r\n');
    });
    try {
      const started = Date.now();
      const fetched = await ftpGet(`ftp://127.0.0.1:${control.port}/app/a.cfg?mac=00908f0a1b2c`, {
        timeoutMs: 300,
      }).then(
        (answer) => answer.status,
        (error: Error) => error.message,
      );
      assert.equal(fetched, 'timed out');
      // Bounded by the timeout, not by the server: far below the test's own 30 s.
      assert.ok(Date.now() - started < 20_000);
      assert.deepEqual(asked, ['RETR /app/a.cfg?mac=00908f0a1b2c']);
    } finally {
      for (const socket of held) socket.destroy();
      await control.close();
      await new Promise((resolve) => data.close(resolve));
    }
  },
);
