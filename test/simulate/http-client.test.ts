// The emulated phone's own HTTP/1.1 client against servers that answer in every way a
// provisioning server may: by length, by chunks, up to the close, after a 100 Continue; a
// kept connection the server closed meanwhile; and answers that are not HTTP at all.

import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, it } from 'node:test';

import { httpGet, KeptConnections } from '../../src/simulate/http-client.ts';

/** A TCP server that answers each request head with `reply(head, socket)`. */
async function rawServer(
  reply: (head: string, socket: Socket) => void,
): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        reply(head, socket);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('the phone emulation HTTP client', () => {
  it('reads a body by Content-Length and sends the head a phone sends', async () => {
    const heads: string[] = [];
    const server = await rawServer((head, socket) => {
      heads.push(head);
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
    });
    try {
      const answer = await httpGet(`${server.url}/cfg/a.cfg?x=1`, {
        userAgent: 'Yealink SIP-T46S',
      });
      assert.equal(answer.status, 200);
      assert.equal(answer.body.toString(), 'hello');
      assert.match(heads[0]!, /^GET \/cfg\/a\.cfg\?x=1 HTTP\/1\.1\r\n/);
      assert.match(heads[0]!, /\r\nUser-Agent: Yealink SIP-T46S(\r\n|$)/);
      assert.match(heads[0]!, /\r\nConnection: close(\r\n|$)/);
    } finally {
      await server.close();
    }
  });

  it('reads chunks split across reads, after a 100 Continue, and one up to the close', async () => {
    const server = await rawServer((head, socket) => {
      if (head.startsWith('GET /chunked')) {
        socket.write(
          'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel',
        );
        setTimeout(() => socket.write('lo\r\n6\r\n world\r\n0\r\n\r\n'), 20);
      } else {
        socket.write('HTTP/1.0 200 OK\r\n\r\nuntil the ');
        setTimeout(() => socket.end('close'), 20);
      }
    });
    try {
      assert.equal((await httpGet(`${server.url}/chunked`)).body.toString(), 'hello world');
      assert.equal((await httpGet(`${server.url}/close`)).body.toString(), 'until the close');
    } finally {
      await server.close();
    }
  });

  it('keeps one connection for a phone, and asks again when the server closed it idle', async () => {
    let answered = 0;
    const server = await rawServer((_head, socket) => {
      answered++;
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      // The second answer is its last: the server then closes the connection, as at its
      // keep-alive limit; the phone's third request must go over a new one.
      if (answered === 2) socket.end();
    });
    const kept = new KeptConnections();
    try {
      for (let i = 0; i < 2; i++)
        assert.equal((await httpGet(`${server.url}/${i}`, { connections: kept })).status, 200);
      assert.equal(server.connections(), 1, 'both files over one connection');
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal((await httpGet(`${server.url}/2`, { connections: kept })).status, 200);
      assert.equal(server.connections(), 2);
    } finally {
      kept.close();
      await server.close();
    }
  });

  it('answers a Digest challenge from a header the server repeats', async () => {
    const heads: string[] = [];
    const server = await rawServer((head, socket) => {
      heads.push(head);
      if (!/\r\nAuthorization: Digest /.test(head)) {
        socket.write(
          'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="x"\r\nWWW-Authenticate: Digest realm="x", nonce="n1", qop="auth", algorithm=MD5\r\nContent-Length: 0\r\n\r\n',
        );
      } else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nyes');
    });
    try {
      const answer = await httpGet(`${server.url}/p.cfg`, {
        credentials: { username: 'phone', password: 'secret' },
      });
      assert.equal(answer.status, 200);
      assert.match(heads[1]!, /Authorization: Digest username="phone", realm="x", nonce="n1"/);
      assert.doesNotMatch(heads.join('\n'), /secret/);
    } finally {
      await server.close();
    }
  });

  it('refuses what is not an HTTP answer, or is cut short, with a clear error', async () => {
    const server = await rawServer((head, socket) => {
      if (head.startsWith('GET /garbage')) socket.end('SSH-2.0-OpenSSH\r\n\r\n');
      else if (head.startsWith('GET /length'))
        socket.end('HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n');
      else socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort');
    });
    try {
      await assert.rejects(httpGet(`${server.url}/garbage`), /not an HTTP response: SSH-2\.0/);
      await assert.rejects(httpGet(`${server.url}/length`), /bad Content-Length: x/);
      await assert.rejects(httpGet(`${server.url}/short`), /connection closed mid-answer/);
    } finally {
      await server.close();
    }
  });
});
