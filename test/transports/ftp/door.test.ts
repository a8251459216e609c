import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';

import type {
  Answer,
  LoginAttempt,
  Provisioner,
  ProvisioningRequest,
  TransferOutcome,
} from '../../../src/provisioning/request.ts';
import { parseCommand, pasvReply, resolvePath } from '../../../src/transports/ftp/commands.ts';
import { startFtpDoor, type FtpDoor } from '../../../src/transports/ftp/server.ts';
import { hugeAnswer } from './answers.ts';

// The FTP door against a fake pipeline: the protocol, the one event per download, the
// refusals. Real clients (curl, lftp) are in test/interop/security-clients.test.ts.

const BIG = Buffer.alloc(300_000, 7);
const requests: ProvisioningRequest[] = [];
const outcomes: TransferOutcome[] = [];

const provisioner: Provisioner = {
  async answer(request) {
    requests.push(request);
    const done = (outcome: TransferOutcome): void => void outcomes.push(outcome);
    if (request.rawPath === '/prov/a.cfg') {
      return {
        status: 200,
        contentType: 'text/plain',
        size: 6,
        body: Buffer.from('hello\n'),
        done,
      };
    }
    if (request.rawPath === '/broken.cfg') throw new Error('store unreachable');
    if (request.rawPath === '/huge.bin') return hugeAnswer(done);
    if (request.rawPath === '/big.bin') {
      return {
        status: 200,
        contentType: 'application/octet-stream',
        size: BIG.length,
        open: (range) =>
          Readable.from([BIG.subarray(range?.start ?? 0, (range?.end ?? BIG.length - 1) + 1)]),
        done,
      } satisfies Answer;
    }
    return { status: 404, contentType: 'text/plain', size: 0, done };
  },
  async login(attempt: LoginAttempt) {
    return attempt.username === 'phone' && attempt.password === 'right';
  },
  async listing(request) {
    if (request.rawPath === '/broken') throw new Error('store unreachable');
    return request.credentials ? ['a.cfg', 'b.cfg'] : [];
  },
};

let door: FtpDoor;
before(async () => {
  door = await startFtpDoor({ provisioner, host: '127.0.0.1', port: 0, dataTimeoutMs: 2000 });
});
after(() => door.close());

/** A control connection that reads one reply per command. */
async function session(): Promise<{
  send(line: string): Promise<string>;
  /** The next reply, e.g. the 226 that follows a transfer. */
  reply(): Promise<string>;
  data(reply: string): Promise<Buffer>;
  socket: Socket;
}> {
  const socket = connect(door.address.port, '127.0.0.1');
  let buffer = '';
  const waiting: ((reply: string) => void)[] = [];
  const ready: string[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let match: RegExpExecArray | null;
    while ((match = /^(\d{3}) [^\n]*\n/m.exec(buffer)) !== null) {
      const end = match.index + match[0].length;
      const reply = buffer.slice(0, end);
      buffer = buffer.slice(end);
      const wait = waiting.shift();
      if (wait) wait(reply);
      else ready.push(reply);
    }
  });
  const next = (): Promise<string> =>
    ready.length > 0
      ? Promise.resolve(ready.shift()!)
      : new Promise((resolve) => waiting.push(resolve));
  const greeting = next();
  await new Promise((resolve) => socket.once('connect', resolve));
  assert.match(await greeting, /^220 /);
  return {
    socket,
    reply: next,
    send(line: string): Promise<string> {
      const reply = next();
      socket.write(`${line}\r\n`);
      return reply;
    },
    async data(reply: string): Promise<Buffer> {
      const port =
        /\(\|\|\|(\d+)\|\)/.exec(reply)?.[1] ??
        String(
          ((n) => Number(n[4]) * 256 + Number(n[5]))(
            /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(reply)!.slice(1),
          ),
        );
      const data = connect(Number(port), '127.0.0.1');
      const chunks: Buffer[] = [];
      data.on('data', (c: Buffer) => chunks.push(c));
      await new Promise((resolve) => data.once('close', resolve));
      return Buffer.concat(chunks);
    },
  };
}

test('pure pieces: command lines, virtual paths, PASV replies', () => {
  assert.deepEqual(parseCommand('retr /a b.cfg\r\n'), { verb: 'RETR', argument: '/a b.cfg' });
  assert.equal(parseCommand('\x00\x01'), undefined);
  assert.equal(resolvePath('/prov', '../../etc/passwd'), '/etc/passwd');
  assert.equal(resolvePath('/prov', 'x/./y'), '/prov/x/y');
  assert.equal(resolvePath('/', '/a/../../b'), '/b');
  assert.equal(
    pasvReply('::ffff:127.0.0.1', 40_001),
    '227 Entering Passive Mode (127,0,0,1,156,65)',
  );
  assert.equal(pasvReply('::1', 40_001), undefined);
});

test('anonymous login, PASV and EPSV downloads, SIZE then RETR as one request', async () => {
  const c = await session();
  assert.match(await c.send('RETR /prov/a.cfg'), /^530 /, 'nothing before login');
  assert.match(await c.send('USER anonymous'), /^331 /);
  assert.match(await c.send('PASS phone@example.com'), /^230 /);
  assert.match(await c.send('FEAT'), /EPSV[\s\S]*SIZE[\s\S]*211 End/);
  assert.match(await c.send('CWD prov'), /^250 /);
  assert.match(await c.send('PWD'), /^257 "\/prov"/);
  assert.match(await c.send('TYPE I'), /^200 /);
  const before = requests.length;
  assert.match(await c.send('SIZE a.cfg'), /^213 6/);
  const pasv = await c.send('PASV');
  assert.match(pasv, /^227 /);
  const body = c.data(pasv);
  assert.match(await c.send('RETR a.cfg'), /^150 /);
  assert.equal((await body).toString(), 'hello\n');
  assert.match(await c.reply(), /^226 /);
  assert.equal(requests.length - before, 1, 'SIZE and RETR asked the pipeline once');
  assert.deepEqual(outcomes.at(-1), { status: 200, bytes: 6 }, 'and recorded one outcome');
  assert.equal(requests.at(-1)?.transport, 'ftp');
  assert.equal(requests.at(-1)?.rawPath, '/prov/a.cfg');
  c.socket.destroy();
});

test('REST resumes a streamed file; a missing file is 550; writes are refused', async () => {
  const c = await session();
  await c.send('USER anonymous');
  await c.send('PASS x');
  assert.match(await c.send('REST 100000'), /^350 /);
  const epsv = await c.send('EPSV');
  assert.match(epsv, /^229 /);
  const body = c.data(epsv);
  assert.match(await c.send('RETR /big.bin'), /^150 .*\(200000 bytes\)/);
  assert.ok((await body).equals(BIG.subarray(100_000)));
  assert.match(await c.reply(), /^226 /);
  assert.match(await c.send('EPSV'), /^229 /);
  assert.match(await c.send('RETR /missing.cfg'), /^550 /);
  for (const verb of ['STOR x', 'DELE x', 'MKD x', 'RNFR x', 'APPE x']) {
    assert.match(await c.send(verb), /^550 .*read-only/, verb);
  }
  assert.match(await c.send('PORT 127,0,0,1,1,1'), /^502 /);
  assert.match(await c.send('XYZZ'), /^502 /);
  assert.match(await c.send('RETR /prov/a.cfg'), /^425 /, 'no passive connection');
  assert.match(await c.send('QUIT'), /^221 /);
});

test('logins: wrong ones refused, three strikes close; LIST shows what the pipeline allows', async () => {
  const c = await session();
  await c.send('USER phone');
  assert.match(await c.send('PASS wrong'), /^530 /);
  await c.send('USER phone');
  assert.match(await c.send('PASS right'), /^230 /);
  const pasv = await c.send('EPSV');
  const listing = c.data(pasv);
  assert.match(await c.send('NLST'), /^150 /);
  assert.equal((await listing).toString(), 'a.cfg\r\nb.cfg\r\n');
  assert.match(await c.reply(), /^226 /);
  c.socket.destroy();
  const d = await session();
  for (let i = 0; i < 2; i++) {
    await d.send('USER phone');
    assert.match(await d.send('PASS nope'), /^530 /);
  }
  await d.send('USER phone');
  assert.match(await d.send('PASS nope'), /^421 /);
  await new Promise((resolve) => d.socket.once('close', resolve));
});

test('a passive port answers only the client that asked for it', async () => {
  const c = await session();
  await c.send('USER anonymous');
  await c.send('PASS x');
  const epsv = await c.send('EPSV');
  const port = Number(/\(\|\|\|(\d+)\|\)/.exec(epsv)![1]);
  const stranger = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' });
  stranger.on('error', () => undefined);
  const strangerGot: Buffer[] = [];
  stranger.on('data', (chunk: Buffer) => strangerGot.push(chunk));
  await new Promise((resolve) => stranger.once('close', resolve));
  const body = c.data(epsv);
  assert.match(await c.send('RETR /prov/a.cfg'), /^150 /);
  assert.equal((await body).toString(), 'hello\n');
  assert.match(await c.reply(), /^226 /);
  assert.equal(Buffer.concat(strangerGot).length, 0);
  c.socket.destroy();
});

test('when the pipeline fails, the passive listener taken for the transfer is closed too', async () => {
  const c = await session();
  assert.match(await c.send('USER anonymous'), /^331 /);
  assert.match(await c.send('PASS x'), /^230 /);
  for (const command of ['RETR /broken.cfg', 'LIST /broken']) {
    const passive = await c.send('EPSV');
    const port = Number(/\(\|\|\|(\d+)\|\)/.exec(passive)?.[1]);
    assert.ok(port > 0, passive);
    assert.match(await c.send(command), /^451 /, command);
    // Nobody listens there any more: the port is not held for the life of the process.
    const refused = await new Promise<string>((resolve) => {
      const data = connect(port, '127.0.0.1');
      data.once('connect', () => {
        data.destroy();
        resolve('connected');
      });
      data.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    assert.equal(refused, 'ECONNREFUSED', command);
  }
  c.socket.destroy();
});

test('ABOR sent with its Telnet interrupt during a RETR cuts it: 426 for the RETR, then 226', async () => {
  const c = await session();
  assert.match(await c.send('USER anonymous'), /^331 /);
  assert.match(await c.send('PASS x'), /^230 /);
  const passive = await c.send('EPSV');
  const port = Number(/\(\|\|\|(\d+)\|\)/.exec(passive)?.[1]);
  const opening = c.send('RETR /huge.bin');
  const data = connect(port, '127.0.0.1');
  // The reader waits: the server's writes stall once the buffers are full.
  data.pause();
  assert.match(await opening, /^150 /);
  const closed = new Promise((resolve) => data.once('close', resolve));
  data.on('error', () => undefined);
  // As clients send it: IAC IP, IAC DM (urgent), then the command.
  c.socket.write(Buffer.concat([Buffer.from([0xff, 0xf4, 0xff, 0xf2]), Buffer.from('ABOR\r\n')]));
  assert.match(await c.reply(), /^426 /);
  assert.match(await c.reply(), /^226 Abort successful/);
  data.resume();
  await closed;
  // Without a transfer, ABOR has nothing to abort.
  assert.match(await c.send('ABOR'), /^226 Nothing to abort/);
  c.socket.destroy();
});

test('a command line split inside a UTF-8 character reads whole', async () => {
  const c = await session();
  assert.match(await c.send('USER anonymous'), /^331 /);
  assert.match(await c.send('PASS x'), /^230 /);
  const line = Buffer.from('CWD /prov/é\r\n');
  const split = line.indexOf(0xc3) + 1;
  const reply = c.reply();
  c.socket.write(line.subarray(0, split));
  await new Promise((resolve) => setTimeout(resolve, 20));
  c.socket.write(line.subarray(split));
  assert.match(await reply, /^250 /);
  assert.match(await c.send('PWD'), /"\/prov\/é"/);
  c.socket.destroy();
});

test('short commands sent together past 4 KiB are each answered; a line still arriving past it is not', async () => {
  const c = await session();
  assert.match(await c.send('USER anonymous'), /^331 /);
  assert.match(await c.send('PASS x'), /^230 /);
  // 6,000 bytes in one write: one segment on loopback, of 1,000 whole lines.
  const replies = Array.from({ length: 1000 }, () => c.reply());
  c.socket.write('NOOP\r\n'.repeat(1000));
  for (const [i, reply] of replies.entries()) assert.match(await reply, /^200 /, `NOOP ${i + 1}`);
  const tooLong = c.reply();
  const closed = new Promise((resolve) => c.socket.once('close', resolve));
  c.socket.on('error', () => undefined);
  c.socket.write(`CWD /${'x'.repeat(5000)}`);
  assert.match(await tooLong, /^500 Line too long/);
  await closed;
});
