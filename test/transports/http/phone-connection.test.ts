import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { after, before, test } from 'node:test';

import type { Answer, ProvisioningRequest } from '../../../src/provisioning/request.ts';
import { buildHttpDoor } from '../../../src/transports/http/door.ts';
import { PhoneConnections, readPhoneHead } from '../../../src/transports/http/phone-connection.ts';
import {
  acceptsSteadily,
  nodeMajor,
  VERIFIED_NODE_MAJORS,
} from '../../../src/transports/steady-accept.ts';
import { FLYINGVOICE_PHONE, startHarness, type Harness } from '../../support/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness([FLYINGVOICE_PHONE]);
});
after(() => h.close());

const GET = 'GET /0021f2000001.cfg HTTP/1.1\r\nHost: x\r\n';

/** A provisioner's answer of this body, 200 text/plain. */
function served(body: Buffer): Promise<Answer> {
  return Promise.resolve({
    status: 200,
    contentType: 'text/plain',
    size: body.length,
    body,
    done: () => undefined,
  });
}

test('the lean reader takes plain GET and HEAD requests and reads what the pipeline needs', () => {
  const head = readPhoneHead(
    'GET /prov/0021f2000001.cfg?x=1 HTTP/1.1\r\nHost: 10.0.0.1:8080\r\nUser-Agent: Yealink SIP-T46G\r\n' +
      'Authorization: Basic YTpi\r\nX-Forwarded-For: 10.1.1.1\r\nx-forwarded-for: 10.2.2.2\r\n' +
      'If-None-Match: "a"\r\nRange: bytes=0-9\r\nContent-Length: 0\r\nAccept: */*',
  );
  assert.deepEqual(head, {
    method: 'GET',
    target: '/prov/0021f2000001.cfg?x=1',
    keepAlive: true,
    http10: false,
    host: '10.0.0.1:8080',
    userAgent: 'Yealink SIP-T46G',
    authorization: 'Basic YTpi',
    forwardedFor: '10.1.1.1, 10.2.2.2',
    ifNoneMatch: '"a"',
    range: 'bytes=0-9',
  });
  assert.equal(readPhoneHead('HEAD /a HTTP/1.1\r\nHost: x\r\nConnection: close')?.keepAlive, false);
  assert.equal(readPhoneHead('GET /a HTTP/1.0')?.keepAlive, false);
  assert.equal(readPhoneHead('GET /a HTTP/1.0\r\nConnection: Keep-Alive')?.keepAlive, true);
  assert.equal(
    readPhoneHead('GET /a HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close')?.keepAlive,
    false,
  );
  assert.equal(readPhoneHead('GET /a HTTP/1.1\r\nhost:x')?.host, 'x');
});

test('the lean reader leaves everything unusual to node:http', () => {
  for (const text of [
    'POST /a HTTP/1.1\r\nHost: x',
    'GET /api/v1/devices HTTP/1.1\r\nHost: x',
    'GET /healthz HTTP/1.1\r\nHost: x',
    'GET /a HTTP/1.1',
    'GET /a HTTP/1.1\r\nHost: x\r\nHost: y',
    'GET /a HTTP/2.0\r\nHost: x',
    'GET a HTTP/1.1\r\nHost: x',
    'GET /a b HTTP/1.1\r\nHost: x',
    'GET /\u00e9 HTTP/1.1\r\nHost: x',
    'GET /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5',
    'GET /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked',
    'GET /a HTTP/1.1\r\nHost: x\r\nExpect: 100-continue',
    'GET /a HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade',
    'GET /a HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b',
    'GET /a HTTP/1.1\r\nHost: x\r\nNo colon here',
    'GET /a HTTP/1.1\r\nHost: x\r\nBad Name: v',
    'GET /a HTTP/1.1\r\nHost: x\r\nX-Ctl: a\u0001b',
    'GET /a HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\nRange: bytes=2-3',
    'GET /a HTTP/1.1\r\nHost: x\r\nAuthorization: a\r\nAuthorization: b',
  ]) {
    assert.equal(readPhoneHead(text), undefined, JSON.stringify(text));
  }
});

/** A raw connection that collects everything the server sends. */
async function open(port: number): Promise<{ socket: Socket; received: () => string }> {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return { socket, received: () => data };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.ok(condition(), what);
}

/** Status codes in order; a reply may follow a body without a line break. */
const statuses = (text: string): string[] =>
  [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]!);

test('pipelined requests are answered in order on one connection', async () => {
  const { socket, received } = await open(h.port);
  socket.write(`${GET}\r\n${GET}\r\nGET /nothing-here HTTP/1.1\r\nHost: x\r\n\r\n`);
  await until(() => statuses(received()).length === 3, 'three answers');
  assert.deepEqual(statuses(received()), ['200', '200', '404']);
  assert.match(received(), /^Connection: keep-alive$/m);
  assert.equal(socket.destroyed, false);
  socket.write(`${GET}Connection: close\r\n\r\n`);
  await once(socket, 'close');
  assert.deepEqual(statuses(received()), ['200', '200', '404', '200']);
  assert.match(received(), /^Connection: close$/m);
});

test('a flood of pipelined requests is read as it is answered, and every one is answered', async () => {
  const { socket, received } = await open(h.port);
  const count = 1500; // about 60 KiB of heads: more than one head's worth waits unread
  socket.write(`${GET}\r\n`.repeat(count - 1) + `${GET}Connection: close\r\n\r\n`);
  await once(socket, 'close');
  const answered = statuses(received());
  assert.equal(answered.length, count);
  assert.ok(answered.every((status) => status === '200'));
});

test('a head ended by bare line feeds is answered by node:http at once, not left waiting', async () => {
  const { socket, received } = await open(h.port);
  socket.write('GET /0021f2000001.cfg HTTP/1.1\nHost: x\n\n');
  await until(() => received().length > 0 || socket.destroyed, 'an answer or a close');
  assert.match(received(), /^HTTP\/1\.1 (200|400) /);
  socket.destroy();
});

test('a head sent a byte at a time is still read whole', async () => {
  const { socket, received } = await open(h.port);
  for (const byte of `${GET}Connection: close\r\n\r\n`) {
    socket.write(byte);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await once(socket, 'close');
  assert.deepEqual(statuses(received()), ['200']);
  assert.match(received(), /^account\.1\.user_name=1001$/m);
});

test('HTTP/1.0 without Host is answered and closed; a half-closed phone still gets its answer', async () => {
  const old = await open(h.port);
  old.socket.write('GET /0021f2000001.cfg HTTP/1.0\r\n\r\n');
  await once(old.socket, 'close');
  assert.deepEqual(statuses(old.received()), ['200']);
  const half = await open(h.port);
  half.socket.end(`${GET}\r\n`);
  await once(half.socket, 'close');
  assert.deepEqual(statuses(half.received()), ['200']);
});

test('a connection moves on to node:http for the API, bodies and other methods, mid-stream too', async () => {
  const { socket, received } = await open(h.port);
  socket.write(`${GET}\r\n`);
  await until(() => statuses(received()).length === 1, 'the phone file');
  socket.write('GET /api/v1/devices HTTP/1.1\r\nHost: x\r\n\r\n');
  await until(() => statuses(received()).length === 2, 'the API answer');
  socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  await until(() => statuses(received()).length === 3, 'the health answer');
  socket.write('POST /0021f2000001.cfg HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi');
  await until(() => statuses(received()).length === 4, 'the POST answer');
  socket.write(`${GET}Connection: close\r\n\r\n`);
  await once(socket, 'close');
  assert.deepEqual(statuses(received()), ['200', '401', '200', '405', '200']);
  assert.match(received(), /"status":"ok"/);
});

test('closing the door ends idle kept-alive phone connections at once', async () => {
  const body = Buffer.from('fixed\n');
  const seen: ProvisioningRequest[] = [];
  const app = await buildHttpDoor({
    provisioner: {
      answer: (request): Promise<Answer> => {
        seen.push(request);
        return Promise.resolve({
          status: 200,
          contentType: 'text/plain',
          size: body.length,
          body,
          done: () => undefined,
        });
      },
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  // Phones open a connection per file: on a line the steady accept was verified on, the door
  // accepts them without Node 20's shape churn; on any other, with Node's own accept.
  assert.equal(acceptsSteadily(app.server), VERIFIED_NODE_MAJORS.includes(nodeMajor()));
  const port = (app.server.address() as { port: number }).port;
  const { socket, received } = await open(port);
  socket.write('GET /x.cfg?y=1 HTTP/1.1\r\nHost: [::1]:81\r\nUser-Agent: T\r\n\r\n');
  await until(() => statuses(received()).length === 1, 'an answer');
  assert.equal(seen[0]?.rawPath, '/x.cfg');
  assert.equal(seen[0]?.query, 'y=1');
  assert.equal(seen[0]?.origin, 'http://[::1]:81');
  assert.equal(seen[0]?.userAgent, 'T');
  const closed = once(socket, 'close');
  // Well inside the 5 s keep-alive: without closing idle connections, close() would wait for it.
  const outcome = await Promise.race([
    app.close().then(() => 'closed'),
    new Promise((resolve) => setTimeout(() => resolve('still open'), 3000)),
  ]);
  assert.equal(outcome, 'closed');
  await closed;
});

test('silent, half-sent and idle connections are dropped at their deadlines', async () => {
  const body = Buffer.from('ok\n');
  const phones = new PhoneConnections({
    provisioner: {
      answer: () => served(body),
    },
    scheme: 'http',
    handOver: (socket) => socket.destroy(),
    keepAliveMs: 100,
    headersMs: 100,
    stallMs: 100,
    maxHeadBytes: 16 * 1024,
  });
  const server = createServer((socket) => phones.accept(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const silent = await open(port);
    const half = await open(port);
    half.socket.write('GET /a HTTP/1.1\r\nHost: x\r\n');
    const idle = await open(port);
    idle.socket.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => statuses(idle.received()).length === 1, 'the answer');
    const closed = (s: Socket): boolean => s.destroyed || s.readableEnded;
    await until(
      () => closed(silent.socket) && closed(half.socket) && closed(idle.socket),
      'all three dropped',
    );
    assert.deepEqual(statuses(half.received()), []);
  } finally {
    phones.closeIdle();
    server.close();
  }
});

test('a pipeline failure is a 500 that closes the connection, and the door keeps serving', async () => {
  let fail = true;
  const body = Buffer.from('ok\n');
  const app = await buildHttpDoor({
    provisioner: {
      answer: (): Promise<Answer> =>
        fail
          ? Promise.reject(new Error('store unreachable'))
          : Promise.resolve({
              status: 200,
              contentType: 'text/plain',
              size: body.length,
              body,
              done: () => undefined,
            }),
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  try {
    const broken = await open(port);
    broken.socket.write('GET /a.cfg HTTP/1.1\r\nHost: x\r\n\r\n');
    await once(broken.socket, 'close');
    assert.deepEqual(statuses(broken.received()), ['500']);
    assert.match(broken.received(), /^Connection: close$/m);
    fail = false;
    const next = await open(port);
    next.socket.write('GET /a.cfg HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await once(next.socket, 'close');
    assert.deepEqual(statuses(next.received()), ['200']);
  } finally {
    await app.close();
  }
});

test('a client that pipelines and reads nothing is answered only as fast as its replies leave', async () => {
  const body = Buffer.alloc(64 * 1024, 0x61);
  let answered = 0;
  const app = await buildHttpDoor({
    provisioner: {
      answer: (): Promise<Answer> => {
        answered += 1;
        return served(body);
      },
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const count = 1000; // 64 MB of replies for 31 KB of requests
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  try {
    await once(socket, 'connect');
    socket.pause();
    socket.write('GET /a.bin HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(count));
    // Until the answers stop coming: what the kernel's buffers take, and one backlog more.
    let seen = -1;
    for (let i = 0; i < 40 && seen !== answered; i += 1) {
      seen = answered;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(seen, answered, 'the answers stopped while nothing was read');
    assert.ok(answered < count / 2, `${answered} of ${count} answered with nothing read`);
    // Read, and every request is answered.
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
    socket.resume();
    await until(() => answered === count, 'every request answered once read');
    await until(() => bytes >= count * body.length, 'every reply received');
  } finally {
    socket.destroy();
    await app.close();
  }
});

test('a small PUT is read here, its length from Content-Length; others go to node:http', () => {
  assert.equal(
    readPhoneHead('PUT /a.log HTTP/1.1\r\nHost: x\r\nContent-Length: 12')?.bodyLength,
    12,
  );
  assert.equal(readPhoneHead('PUT /a.log HTTP/1.1\r\nHost: x\r\nContent-Length: 0')?.bodyLength, 0);
  assert.equal(
    readPhoneHead('GET /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0')?.bodyLength,
    undefined,
  );
  for (const text of [
    'PUT /a.log HTTP/1.1\r\nHost: x',
    'PUT /a.log HTTP/1.1\r\nHost: x\r\nContent-Length: 65537',
    'PUT /a.log HTTP/1.1\r\nHost: x\r\nContent-Length: -1',
    'PUT /a.log HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3',
    'PUT /a.log HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3',
    'PUT /a.log HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked',
    'PUT /a.log HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue',
  ]) {
    assert.equal(readPhoneHead(text), undefined, JSON.stringify(text));
  }
});

test('an upload keeps its connection with the lean reader: the body is read whole, then the next request', async () => {
  const uploads: { path: string; body: string; declared: number | undefined }[] = [];
  const body = Buffer.from('ok\n');
  let handedOver = 0;
  const phones = new PhoneConnections({
    provisioner: {
      answer: () => served(body),
      upload: async (request, upload) => {
        const chunks: Buffer[] = [];
        for await (const chunk of upload.stream) chunks.push(chunk as Buffer);
        uploads.push({
          path: request.rawPath,
          body: Buffer.concat(chunks).toString(),
          declared: upload.declaredLength,
        });
        return { status: 204, bodyLeft: false };
      },
    },
    scheme: 'http',
    handOver: (socket) => {
      handedOver += 1;
      socket.destroy();
    },
    keepAliveMs: 5000,
    headersMs: 5000,
    stallMs: 5000,
    maxHeadBytes: 16 * 1024,
  });
  const server = createServer((socket) => phones.accept(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const { socket, received } = await open(port);
    // The body arrives in two parts; a GET is pipelined right behind it.
    socket.write('PUT /0004f2000001-boot.log HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nline');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(statuses(received()), [], 'no answer before the whole body');
    socket.write(' one\nGET /a.cfg HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => statuses(received()).length === 2, 'both answers');
    assert.deepEqual(statuses(received()), ['204', '200']);
    assert.deepEqual(uploads, [
      { path: '/0004f2000001-boot.log', body: 'line one\n', declared: 9 },
    ]);
    assert.equal(handedOver, 0);
    assert.equal(socket.destroyed, false);
    socket.destroy();
  } finally {
    phones.closeIdle();
    server.close();
  }
});
