import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { test } from 'node:test';

import { acceptSteadily, acceptsSteadily } from '../../src/transports/steady-accept.ts';

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Sends `text`, resolves what the server answered before closing. */
async function exchange(port: number, text: string): Promise<string> {
  const client = connect(port, '127.0.0.1');
  client.end(text);
  let answer = '';
  client.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  await once(client, 'close');
  return answer;
}

function echoServer(options: Parameters<typeof createServer>[0] = {}): Server {
  return createServer(options, (socket) => {
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => socket.write(chunk.toString().toUpperCase()));
    socket.on('end', () => socket.end());
  });
}

test('accepted sockets carry data both ways, belong to their server and are counted off on close', async () => {
  const server = echoServer({ allowHalfOpen: true, noDelay: true });
  acceptSteadily(server);
  const port = await listen(server);
  assert.equal(acceptsSteadily(server), true);
  const accepted: Socket[] = [];
  server.on('connection', (socket: Socket) => accepted.push(socket));

  assert.equal(await exchange(port, 'hello phone'), 'HELLO PHONE');
  assert.equal(await exchange(port, 'again'), 'AGAIN');
  assert.equal(accepted.length, 2);
  for (const socket of accepted) {
    assert.equal((socket as unknown as { server: Server }).server, server);
    // allowHalfOpen came through: the server side answered after the client's FIN.
    assert.equal(socket.allowHalfOpen, true);
  }
  // server.close() waits for every counted connection: it returns, so each was counted off.
  await closeServer(server);
});

test('getConnections counts the open ones; close waits for them', async () => {
  const server = echoServer();
  acceptSteadily(server);
  const port = await listen(server);
  const clients = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')];
  while ((await new Promise<number>((r) => server.getConnections((_e, n) => r(n)))) < 2) {
    await new Promise((r) => setTimeout(r, 5));
  }
  let closed = false;
  const closing = closeServer(server).then(() => (closed = true));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(closed, false, 'close waits for open connections');
  for (const client of clients) client.end();
  await closing;
});

test('a server at maxConnections still drops the extra connection the way Node does', async () => {
  const server = echoServer();
  server.maxConnections = 1;
  acceptSteadily(server);
  const port = await listen(server);
  const first = connect(port, '127.0.0.1');
  await once(server, 'connection');
  const dropped = once(server, 'drop');
  const second = connect(port, '127.0.0.1');
  second.on('error', () => undefined);
  await dropped;
  await once(second, 'close');
  first.end();
  await closeServer(server);
});

test('accepted sockets are published on net.server.socket, and a new listen accepts the same way', async () => {
  const seen: unknown[] = [];
  const onSocket = (message: unknown): void => void seen.push(message);
  subscribe('net.server.socket', onSocket);
  try {
    const server = echoServer();
    acceptSteadily(server);
    let port = await listen(server);
    assert.equal(await exchange(port, 'one'), 'ONE');
    await closeServer(server);
    port = await listen(server);
    assert.equal(acceptsSteadily(server), true, 'the new listening handle accepts steadily too');
    assert.equal(await exchange(port, 'two'), 'TWO');
    await closeServer(server);
    assert.equal(seen.length, 2);
  } finally {
    unsubscribe('net.server.socket', onSocket);
  }
});

test('a server that is already listening is taken over at once', async () => {
  const server = echoServer();
  const port = await listen(server);
  assert.equal(acceptsSteadily(server), false);
  acceptSteadily(server);
  acceptSteadily(server);
  assert.equal(acceptsSteadily(server), true);
  assert.equal(await exchange(port, 'late'), 'LATE');
  await closeServer(server);
});
