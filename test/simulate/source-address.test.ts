// An emulated phone sends from the address it is given (a storm's phones each have one in
// 127.0.0.0/8), over every door: the server's per-address limits then see a site, not one host.

import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';

import { AcsLink } from '../../src/simulate/cwmp-link.ts';
import { phoneFetcher } from '../../src/simulate/fetch.ts';
import { KeptConnections } from '../../src/simulate/http-client.ts';
import { encodeError, TFTP_ERROR } from '../../src/transports/tftp/packet.ts';
import { RawPeer } from '../transports/tftp/support.ts';

const PHONE = '127.3.4.5';

describe('phoneFetcher from a local address', () => {
  it('sends HTTP from it', async () => {
    const seen: string[] = [];
    const server = createHttpServer((request, response) => {
      seen.push(request.socket.remoteAddress ?? '');
      response.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const fetch = phoneFetcher({}, { localAddress: PHONE });
      const answer = await fetch(`http://127.0.0.1:${port}/a.cfg`);
      assert.equal(answer.status, 200);
      assert.deepEqual(seen, [PHONE]);
      // Without one, the kernel's choice: 127.0.0.1 on loopback.
      await phoneFetcher()(`http://127.0.0.1:${port}/a.cfg`);
      assert.deepEqual(seen, [PHONE, '127.0.0.1']);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('keeps its own connection through its requests, closed when it closes them', async () => {
    const ports: number[] = [];
    let closed = 0;
    const server = createHttpServer((request, response) => {
      ports.push(request.socket.remotePort ?? 0);
      response.end('ok');
    });
    server.on('connection', (socket) => socket.on('close', () => closed++));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const connections = new KeptConnections();
      const fetch = phoneFetcher({}, { localAddress: PHONE, connections });
      await fetch(`http://127.0.0.1:${port}/a.cfg`);
      await fetch(`http://127.0.0.1:${port}/b.cfg`);
      assert.equal(ports.length, 2);
      assert.equal(ports[0], ports[1], 'one connection for both files');
      assert.equal(closed, 0);
      connections.close();
      for (let i = 0; i < 100 && closed === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(closed, 1, 'the phone closed it');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('sends TFTP from it', async () => {
    const server = await RawPeer.open();
    try {
      const fetch = phoneFetcher({}, { localAddress: PHONE });
      const answer = fetch(`tftp://127.0.0.1:${server.socket.address().port}/a.cfg`);
      const request = await server.next(2000);
      assert.equal(request?.from.address, PHONE);
      server.send(encodeError(TFTP_ERROR.fileNotFound, 'no'), request.from.port, PHONE);
      assert.equal((await answer).status, 404);
    } finally {
      await server.close();
    }
  });

  it('opens its FTP control connection from it', async () => {
    const seen: string[] = [];
    const server = createTcpServer((socket) => {
      seen.push(socket.remoteAddress ?? '');
      socket.end('421 Service not available\r\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const answer = await phoneFetcher(
        {},
        { localAddress: PHONE },
      )(`ftp://127.0.0.1:${port}/a.cfg`);
      assert.equal(answer.status, 503);
      assert.deepEqual(seen, [PHONE]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('a TR-069 CPE from a local address', () => {
  it('posts to its ACS from it', async () => {
    const seen: string[] = [];
    const server = createHttpServer((request, response) => {
      seen.push(request.socket.remoteAddress ?? '');
      response.statusCode = 204;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const acsUrl = `http://127.0.0.1:${port}/`;
      const exchanges: string[] = [];
      const link = new AcsLink({ acsUrl, localAddress: PHONE });
      assert.equal((await link.post('', exchanges, 'empty')).status, 204);
      link.close();
      const plain = new AcsLink({ acsUrl });
      await plain.post('', exchanges, 'empty');
      plain.close();
      assert.deepEqual(seen, [PHONE, '127.0.0.1']);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
