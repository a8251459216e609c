import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isPlugndialError } from '../../src/errors.ts';
import { phoneFetcher } from '../../src/simulate/fetch.ts';
import { parseTftpUrl, tftpCodeOf, tftpGet } from '../../src/simulate/tftp-client.ts';
import { encodeData, encodeError, encodeOack } from '../../src/transports/tftp/packet.ts';
import type { TftpPacket } from '../../src/transports/tftp/packet.ts';
import { RawPeer, patternBytes } from '../transports/tftp/support.ts';

/** A hand-driven server: its request port and a second socket as the transfer's TID. */
interface FakeServer {
  main: RawPeer;
  tid: RawPeer;
  close(): Promise<void>;
}

async function fakeServer(): Promise<FakeServer> {
  const main = await RawPeer.open();
  const tid = await RawPeer.open();
  return {
    main,
    tid,
    close: async () => {
      await main.close();
      await tid.close();
    },
  };
}

async function next(peer: RawPeer): Promise<{ packet: TftpPacket; port: number }> {
  const received = await peer.next(2000);
  assert.ok(received?.packet, 'expected a packet');
  return { packet: received.packet, port: received.from.port };
}

function port(peer: RawPeer): number {
  return peer.socket.address().port;
}

describe('tftpGet', () => {
  it('parses tftp:// URLs', () => {
    assert.deepEqual(parseTftpUrl('tftp://10.20.0.92/y000000000000.boot'), {
      target: { host: '10.20.0.92', port: 69, path: 'y000000000000.boot' },
      mode: undefined,
    });
    assert.deepEqual(parseTftpUrl('tftp://[::1]:6969/prov/a%20b.cfg;mode=netascii'), {
      target: { host: '::1', port: 6969, path: 'prov/a b.cfg' },
      mode: 'netascii',
    });
    assert.throws(() => parseTftpUrl('http://x/y'), { code: 'PND_INVALID_ARGUMENT' });
    assert.throws(() => parseTftpUrl('tftp://x/%zz'), { code: 'PND_INVALID_ARGUMENT' });
    assert.throws(() => parseTftpUrl('not a url'), { code: 'PND_INVALID_ARGUMENT' });
  });

  it('refuses options out of range before sending anything', async () => {
    await assert.rejects(tftpGet('tftp://127.0.0.1:9/x', { blksize: 4 }), {
      code: 'PND_INVALID_ARGUMENT',
    });
    await assert.rejects(tftpGet('tftp://127.0.0.1:9/x', { windowsize: 0 }), {
      code: 'PND_INVALID_ARGUMENT',
    });
  });

  /** The server's OACK of `tsize` and 600-byte blocks, and the client's ACK 0 for it. */
  async function acceptSize(server: FakeServer, client: number, tsize: string): Promise<void> {
    server.tid.send(
      encodeOack([
        ['tsize', tsize],
        ['blksize', '600'],
      ]),
      client,
    );
    assert.deepEqual((await next(server.tid)).packet, { kind: 'ack', block: 0 });
  }

  /** A file of 600 to 1,199 bytes in its two blocks, each acknowledged. */
  async function sendInTwoBlocks(server: FakeServer, client: number, file: Buffer): Promise<void> {
    server.tid.send(encodeData(1, file.subarray(0, 600)), client);
    assert.deepEqual((await next(server.tid)).packet, { kind: 'ack', block: 1 });
    server.tid.send(encodeData(2, file.subarray(600)), client);
    assert.deepEqual((await next(server.tid)).packet, { kind: 'ack', block: 2 });
  }

  it('copes with a tsize that is wrong, and answers a stranger with error 5', async () => {
    const server = await fakeServer();
    const file = patternBytes(1000);
    try {
      const got = tftpGet(`tftp://127.0.0.1:${port(server.main)}/f`, { tsize: true, blksize: 600 });
      const { port: client } = await next(server.main);
      await acceptSize(server, client, '10');
      server.main.send(encodeData(1, Buffer.alloc(600)), client);
      assert.deepEqual((await next(server.main)).packet, {
        kind: 'error',
        code: 5,
        message: 'Unknown transfer ID',
      });
      await sendInTwoBlocks(server, client, file);
      assert.deepEqual(await got, file);
    } finally {
      await server.close();
    }
  });

  it('does not take the memory a huge announced size asks for before the blocks come', async () => {
    const server = await fakeServer();
    const file = patternBytes(700);
    try {
      const before = process.memoryUsage().arrayBuffers;
      const got = tftpGet(`tftp://127.0.0.1:${port(server.main)}/f`, { tsize: true, blksize: 600 });
      const { port: client } = await next(server.main);
      // 500 MB announced, within what the phone takes, for a file of 700 bytes.
      await acceptSize(server, client, String(500 * 1024 * 1024));
      const grown = process.memoryUsage().arrayBuffers - before;
      assert.ok(grown < 64 * 1024 * 1024, `held ${grown} bytes for an announced size`);
      await sendInTwoBlocks(server, client, file);
      assert.deepEqual(await got, file);
    } finally {
      await server.close();
    }
  });

  it('acknowledges once where a window has a gap, then takes the resent blocks', async () => {
    const server = await fakeServer();
    const file = patternBytes(8 * 5 + 3);
    const block = (n: number): Buffer => file.subarray((n - 1) * 8, n * 8);
    try {
      const got = tftpGet(`tftp://127.0.0.1:${port(server.main)}/f`, { blksize: 8, windowsize: 4 });
      const { port: client } = await next(server.main);
      server.tid.send(
        encodeOack([
          ['blksize', '8'],
          ['windowsize', '4'],
        ]),
        client,
      );
      await next(server.tid);
      server.tid.send(encodeData(1, block(1)), client);
      server.tid.send(encodeData(3, block(3)), client);
      server.tid.send(encodeData(4, block(4)), client);
      assert.deepEqual((await next(server.tid)).packet, { kind: 'ack', block: 1 });
      assert.equal((await server.tid.drain(100)).length, 0, 'one ACK for the gap');
      for (const n of [2, 3, 4, 5]) server.tid.send(encodeData(n, block(n)), client);
      assert.deepEqual((await next(server.tid)).packet, { kind: 'ack', block: 5 });
      server.tid.send(encodeData(6, file.subarray(40)), client);
      assert.deepEqual((await next(server.tid)).packet, { kind: 'ack', block: 6 });
      assert.deepEqual(await got, file);
    } finally {
      await server.close();
    }
  });

  it('refuses an option it did not ask for, and a file over maxBytes', async () => {
    const server = await fakeServer();
    try {
      const odd = tftpGet(`tftp://127.0.0.1:${port(server.main)}/f`, { blksize: 512 });
      let client = (await next(server.main)).port;
      server.tid.send(encodeOack([['windowsize', '8']]), client);
      await assert.rejects(odd, { code: 'PND_TFTP_OPTION_REFUSED' });
      assert.deepEqual((await next(server.tid)).packet, {
        kind: 'error',
        code: 8,
        message: 'Option refused',
      });

      const big = tftpGet(`tftp://127.0.0.1:${port(server.main)}/f`, {
        tsize: true,
        maxBytes: 100,
      });
      client = (await next(server.main)).port;
      server.tid.send(encodeOack([['tsize', '101']]), client);
      await assert.rejects(big, { code: 'PND_TFTP_TOO_LARGE' });
      assert.deepEqual((await next(server.tid)).packet, {
        kind: 'error',
        code: 3,
        message: 'File too large',
      });
    } finally {
      await server.close();
    }
  });

  it('exposes the TFTP error code of an error packet', async () => {
    const server = await fakeServer();
    try {
      const denied = tftpGet(`tftp://127.0.0.1:${port(server.main)}/f`);
      const { port: client } = await next(server.main);
      server.main.send(encodeError(2, 'Access violation'), client);
      await assert.rejects(denied, (error: unknown) => {
        assert.ok(isPlugndialError(error));
        assert.equal(error.code, 'PND_TFTP_ACCESS_VIOLATION');
        assert.equal(tftpCodeOf(error), 2);
        return true;
      });
    } finally {
      await server.close();
    }
  });

  it('times out after its retries, resending the request', async () => {
    const server = await fakeServer();
    try {
      await assert.rejects(
        tftpGet(`tftp://127.0.0.1:${port(server.main)}/f`, { timeoutMs: 30, retries: 2 }),
        { code: 'PND_TFTP_TIMEOUT' },
      );
      const requests = await server.main.drain(50);
      assert.equal(requests.length, 3);
      assert.ok(requests.every((r) => r.packet?.kind === 'rrq'));
    } finally {
      await server.close();
    }
  });
});

describe('a phone fetching over TFTP', () => {
  it('reads each TFTP error as its own status: 1 not found, 2 refused, others the server failing', async () => {
    const fetch = phoneFetcher();
    for (const [code, status] of [
      [1, 404],
      [2, 403],
      [4, 502],
      [0, 502],
    ] as const) {
      const server = await fakeServer();
      try {
        const answer = fetch(`tftp://127.0.0.1:${port(server.main)}/f`);
        const { port: client } = await next(server.main);
        server.main.send(encodeError(code, 'no'), client);
        assert.equal((await answer).status, status, `TFTP error ${code}`);
      } finally {
        await server.close();
      }
    }
    // No TFTP URL at all is the caller's mistake, not a timeout.
    assert.equal((await fetch('tftp://127.0.0.1:69/')).status, 400);
  });
});
