import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import { isPlugndialError } from '../../../src/errors.ts';
import { tftpCodeOf, tftpGet } from '../../../src/simulate/tftp-client.ts';
import { toNetascii } from '../../../src/transports/tftp/netascii.ts';
import { encodeAck, encodeError, encodeRequest } from '../../../src/transports/tftp/packet.ts';
import type { TftpPacket } from '../../../src/transports/tftp/packet.ts';
import { startTftpDoor } from '../../../src/transports/tftp/server.ts';
import { SPARE_PORTS } from '../../../src/transports/tftp/transfer-ports.ts';
import type { TftpDoor, TftpDoorOptions } from '../../../src/transports/tftp/server.ts';
import { RawPeer, fakeProvisioner, patternBytes } from './support.ts';
import type { FakeProvisioner } from './support.ts';

const CONFIG = Buffer.from('#!version:1.0.0.1\naccount.1.enable = 1\r\nkey = value\n'.repeat(50));
const EXACT = patternBytes(512 * 3);
const SMALL = patternBytes(5000);
const IMAGE = patternBytes(16 * 1024 * 1024 + 123, 42);

interface Setup {
  door: TftpDoor;
  pipeline: FakeProvisioner;
  url: (file: string) => string;
  port: number;
}

async function setup(options: Partial<TftpDoorOptions> = {}): Promise<Setup> {
  const pipeline = fakeProvisioner(
    { 'y000000000000.cfg': CONFIG, 'exact.bin': EXACT, 'small.bin': SMALL, 'dir/sub.cfg': CONFIG },
    { 'firmware.rom': IMAGE },
  );
  const door = await startTftpDoor({
    provisioner: pipeline,
    host: '127.0.0.1',
    port: 0,
    ...options,
  });
  const port = door.address.port;
  return { door, pipeline, port, url: (file) => `tftp://127.0.0.1:${port}/${file}` };
}

function rrq(file: string, options: Array<[string, string]> = [], mode = 'octet'): Buffer {
  return encodeRequest('rrq', file, mode, options);
}

async function expectPacket(
  peer: RawPeer,
  kind: TftpPacket['kind'],
  timeoutMs = 2000,
): Promise<{ packet: TftpPacket; port: number }> {
  const received = await peer.next(timeoutMs);
  assert.ok(received, `expected ${kind}, got silence`);
  assert.equal(
    received.packet?.kind,
    kind,
    `expected ${kind}, got ${JSON.stringify(received.packet)}`,
  );
  return { packet: received.packet as TftpPacket, port: received.from.port };
}

async function expectError(peer: RawPeer, code: number): Promise<string> {
  const { packet } = await expectPacket(peer, 'error');
  assert.equal(packet.kind === 'error' && packet.code, code);
  return packet.kind === 'error' ? packet.message : '';
}

describe('TFTP door', () => {
  let s: Setup;
  before(async () => {
    s = await setup({ maxTransfersPerClient: 64 });
  });
  after(async () => {
    await s.door.close();
  });

  it('serves a rendered file and builds the pipeline request', async () => {
    const before = s.pipeline.answers.length;
    const file = await tftpGet(s.url('y000000000000.cfg'));
    assert.deepEqual(file, CONFIG);
    await s.pipeline.settled(before + 1);
    const record = s.pipeline.answers[before];
    assert.deepEqual(record?.request, {
      transport: 'tftp',
      rawPath: 'y000000000000.cfg',
      query: '',
      remoteAddress: '127.0.0.1',
      origin: `tftp://127.0.0.1:${s.port}`,
    });
    assert.deepEqual(record?.outcomes, [{ status: 200, bytes: CONFIG.length, retransmissions: 0 }]);
  });

  it('hands the pipeline the name exactly as sent', async () => {
    const before = s.pipeline.answers.length;
    assert.deepEqual(
      await tftpGet({ host: '127.0.0.1', port: s.port, path: '\\dir\\sub.cfg' }),
      CONFIG,
    );
    assert.equal(s.pipeline.answers[before]?.request.rawPath, '\\dir\\sub.cfg');
  });

  it('negotiates blksize, tsize and windowsize', async () => {
    for (const options of [
      { blksize: 1468, tsize: true },
      { blksize: 8, windowsize: 3 },
      { blksize: 65464, windowsize: 64, tsize: true },
      { windowsize: 1000 },
    ]) {
      assert.deepEqual(await tftpGet(s.url('small.bin'), options), SMALL, JSON.stringify(options));
      assert.deepEqual(await tftpGet(s.url('exact.bin'), options), EXACT, JSON.stringify(options));
    }
  });

  it('answers the request of seed 001 with an OACK of tsize and blksize only', async () => {
    const peer = await RawPeer.open();
    try {
      peer.send(
        rrq('y000000000000.cfg', [
          ['tsize', '0'],
          ['blksize', '512'],
          ['timeout', ''],
        ]),
        s.port,
      );
      const { packet, port } = await expectPacket(peer, 'oack');
      assert.deepEqual(packet.kind === 'oack' && [...packet.options], [
        ['tsize', String(CONFIG.length)],
        ['blksize', '512'],
      ]);
      assert.notEqual(port, s.port);
      peer.send(encodeAck(0), port);
      const chunks: Buffer[] = [];
      for (let block = 1; block < 100; block += 1) {
        const { packet: data } = await expectPacket(peer, 'data');
        assert.ok(data.kind === 'data' && data.block === block);
        chunks.push(data.payload);
        peer.send(encodeAck(block), port);
        if (data.payload.length < 512) break;
      }
      assert.deepEqual(Buffer.concat(chunks), CONFIG);
    } finally {
      await peer.close();
    }
  });

  it('clamps blksize to the maximum and accepts the timeout option', async () => {
    const peer = await RawPeer.open();
    try {
      peer.send(
        rrq('small.bin', [
          ['BLKSIZE', '65464'],
          ['Timeout', '2'],
        ]),
        s.port,
      );
      const { packet, port } = await expectPacket(peer, 'oack');
      assert.deepEqual(packet.kind === 'oack' && [...packet.options], [
        ['blksize', '1468'],
        ['timeout', '2'],
      ]);
      peer.send(encodeError(8, 'no thanks'), port);
    } finally {
      await peer.close();
    }
  });

  it('streams a 16 MiB image through open(), byte for byte', async () => {
    const before = s.pipeline.answers.length;
    const file = await tftpGet(s.url('firmware.rom'), {
      blksize: 1468,
      windowsize: 16,
      tsize: true,
    });
    assert.equal(file.length, IMAGE.length);
    assert.ok(file.equals(IMAGE));
    await s.pipeline.settled(before + 1);
    assert.deepEqual(s.pipeline.answers[before]?.outcomes, [
      { status: 200, bytes: IMAGE.length, retransmissions: 0 },
    ]);
  });

  it('serves netascii: converted on the fly, tsize is the converted size', async () => {
    assert.deepEqual(await tftpGet(s.url('y000000000000.cfg'), { mode: 'netascii' }), CONFIG);
    assert.deepEqual(await tftpGet(`${s.url('small.bin')};mode=netascii`, { blksize: 100 }), SMALL);
    const peer = await RawPeer.open();
    try {
      peer.send(rrq('y000000000000.cfg', [['tsize', '0']], 'NETASCII'), s.port);
      const { packet, port } = await expectPacket(peer, 'oack');
      const wire = toNetascii(CONFIG);
      assert.equal(packet.kind === 'oack' && packet.options.get('tsize'), String(wire.length));
      peer.send(encodeAck(0), port);
      const { packet: first } = await expectPacket(peer, 'data');
      assert.deepEqual(first.kind === 'data' && first.payload, wire.subarray(0, 512));
      peer.send(encodeError(0, 'enough'), port);
    } finally {
      await peer.close();
    }
  });

  it('leaves tsize out for a streamed netascii file', async () => {
    const peer = await RawPeer.open();
    try {
      peer.send(
        rrq(
          'firmware.rom',
          [
            ['tsize', '0'],
            ['blksize', '1024'],
          ],
          'netascii',
        ),
        s.port,
      );
      const { packet, port } = await expectPacket(peer, 'oack');
      assert.deepEqual(packet.kind === 'oack' && [...packet.options], [['blksize', '1024']]);
      peer.send(encodeError(0, 'enough'), port);
    } finally {
      await peer.close();
    }
  });

  it('answers a missing file with error 1, once, and records 404', async () => {
    const before = s.pipeline.answers.length;
    await assert.rejects(tftpGet(s.url('0021f222b01d.boot')), (error: unknown) => {
      assert.ok(isPlugndialError(error));
      assert.equal(error.code, 'PND_TFTP_FILE_NOT_FOUND');
      assert.equal(tftpCodeOf(error), 1);
      return true;
    });
    await s.pipeline.settled(before + 1);
    assert.deepEqual(s.pipeline.answers[before]?.outcomes, [
      { status: 404, bytes: 0, retransmissions: 0 },
    ]);
  });

  it('refuses write requests with error 2', async () => {
    const peer = await RawPeer.open();
    const before = s.pipeline.answers.length;
    try {
      peer.send(encodeRequest('wrq', 'y000000000000.cfg', 'octet'), s.port);
      assert.equal(await expectError(peer, 2), 'Access violation');
      assert.equal(s.pipeline.answers.length, before);
    } finally {
      await peer.close();
    }
  });

  it('answers a stranger with error 5 and finishes the transfer undisturbed', async () => {
    const client = await RawPeer.open();
    const stranger = await RawPeer.open();
    const before = s.pipeline.answers.length;
    try {
      client.send(rrq('small.bin'), s.port);
      const { port } = await expectPacket(client, 'data');
      client.send(encodeAck(1), port);
      stranger.send(encodeAck(1), port);
      stranger.send(encodeAck(2), port);
      assert.equal(await expectError(stranger, 5), 'Unknown transfer ID');
      const chunks = [SMALL.subarray(0, 512)];
      for (let block = 2; block < 20; block += 1) {
        const { packet } = await expectPacket(client, 'data');
        assert.ok(packet.kind === 'data' && packet.block === block, `block ${block}`);
        chunks.push(packet.payload);
        client.send(encodeAck(block), port);
        if (packet.payload.length < 512) break;
      }
      assert.deepEqual(Buffer.concat(chunks), SMALL);
      await s.pipeline.settled(before + 1);
      assert.equal(s.pipeline.answers[before]?.outcomes[0]?.status, 200);
      assert.ok(s.door.stats().unknownTid >= 2);
    } finally {
      await client.close();
      await stranger.close();
    }
  });

  it('sends nothing more for duplicate ACKs', async () => {
    const peer = await RawPeer.open();
    try {
      peer.send(rrq('small.bin'), s.port);
      const { port } = await expectPacket(peer, 'data');
      for (let i = 0; i < 5; i += 1) peer.send(encodeAck(1), port);
      const arrived = await peer.drain(300);
      assert.deepEqual(
        arrived.map((r) => r.packet?.kind === 'data' && r.packet.block),
        [2],
      );
      peer.send(encodeAck(2), port);
      peer.send(encodeAck(1), port);
      peer.send(encodeAck(2), port);
      const later = await peer.drain(300);
      assert.deepEqual(
        later.map((r) => r.packet?.kind === 'data' && r.packet.block),
        [3],
      );
      peer.send(encodeError(0, 'done'), port);
    } finally {
      await peer.close();
    }
  });

  it('ignores a retransmitted request of a transfer under way', async () => {
    const peer = await RawPeer.open();
    const before = s.pipeline.answers.length;
    try {
      peer.send(rrq('small.bin'), s.port);
      peer.send(rrq('small.bin'), s.port);
      const { port } = await expectPacket(peer, 'data');
      const more = await peer.drain(200);
      assert.equal(more.length, 0);
      assert.equal(s.pipeline.answers.length, before + 1);
      peer.send(encodeError(0, 'done'), port);
    } finally {
      await peer.close();
    }
  });

  it('rolls the block number over past 65535 blocks', async () => {
    const file = patternBytes(65536 * 8 + 100, 9);
    const door = await startTftpDoor({
      provisioner: fakeProvisioner({ 'big.bin': file }),
      host: '127.0.0.1',
      port: 0,
    });
    try {
      const got = await tftpGet(`tftp://127.0.0.1:${door.address.port}/big.bin`, {
        blksize: 8,
        windowsize: 64,
      });
      assert.ok(got.equals(file));
    } finally {
      await door.close();
    }
  });

  it('answers malformed and refused requests, never asks the pipeline, keeps serving', async () => {
    const peer = await RawPeer.open();
    const before = s.pipeline.answers.length;
    const malformedBefore = s.door.stats().malformed;
    try {
      peer.send(Buffer.from([0, 1, 0x61, 0x62]), s.port);
      await expectError(peer, 4);
      peer.send(Buffer.from([0, 9, 1, 2, 3]), s.port);
      await expectError(peer, 4);
      peer.send(
        Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(600, 0x61), Buffer.from([0])]),
        s.port,
      );
      await expectError(peer, 4);
      peer.send(rrq('small.bin', [], 'mail'), s.port);
      await expectError(peer, 4);
      peer.send(rrq('small.bin', [['blksize', '4']]), s.port);
      assert.equal(await expectError(peer, 8), 'Option refused');
      peer.send(Buffer.from([0, 1, 0]), s.port);
      peer.send(encodeError(0, 'x'), s.port);
      peer.send(encodeAck(1), s.port);
      assert.equal((await peer.drain(200)).length, 0);
      assert.equal(s.pipeline.answers.length, before);
      assert.equal(s.door.stats().malformed, malformedBefore + 3);
      assert.deepEqual(await tftpGet(s.url('small.bin')), SMALL);
    } finally {
      await peer.close();
    }
  });
});

describe('TFTP door limits and endings', () => {
  it('records 408 once when the client goes silent, after the retries', async () => {
    const s = await setup({ timeoutMs: 50, retries: 2 });
    const peer = await RawPeer.open();
    try {
      peer.send(rrq('small.bin'), s.port);
      await expectPacket(peer, 'data');
      await s.pipeline.settled(1, 3000);
      const arrived = await peer.drain(200);
      assert.deepEqual(
        arrived.map((r) => r.packet?.kind),
        ['data', 'data', 'error'],
      );
      assert.deepEqual(s.pipeline.answers[0]?.outcomes, [
        { status: 408, bytes: 0, retransmissions: 2, reason: 'timed out' },
      ]);
      assert.equal(s.door.stats().active, 0);
    } finally {
      await peer.close();
      await s.door.close();
    }
  });

  it('records 499 once when the client sends an error', async () => {
    const s = await setup();
    const peer = await RawPeer.open();
    try {
      peer.send(rrq('small.bin'), s.port);
      const { port } = await expectPacket(peer, 'data');
      peer.send(encodeAck(1), port);
      await expectPacket(peer, 'data');
      peer.send(encodeError(3, 'Disk full'), port);
      await s.pipeline.settled(1);
      await peer.drain(100);
      assert.deepEqual(s.pipeline.answers[0]?.outcomes, [
        { status: 499, bytes: 512, retransmissions: 0, reason: 'client error 3' },
      ]);
    } finally {
      await peer.close();
      await s.door.close();
    }
  });

  it('calls done() exactly once per request on every path', async () => {
    const s = await setup({ timeoutMs: 40, retries: 1 });
    const silent = await RawPeer.open();
    const rude = await RawPeer.open();
    try {
      await tftpGet(s.url('small.bin'));
      await assert.rejects(tftpGet(s.url('missing.bin')));
      silent.send(rrq('small.bin'), s.port);
      rude.send(rrq('small.bin'), s.port);
      const { port } = await expectPacket(rude, 'data');
      rude.send(encodeError(0, 'bye'), port);
      await s.pipeline.settled(4);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const seen = s.pipeline.answers.map((a) => a.outcomes.map((o) => o.status));
      assert.deepEqual(
        seen.map((statuses) => statuses.length),
        [1, 1, 1, 1],
        JSON.stringify(seen),
      );
      assert.deepEqual(seen.flat().sort(), [200, 404, 408, 499]);
    } finally {
      await silent.close();
      await rude.close();
      await s.door.close();
    }
  });

  // Traffic stays on 127.0.0.1, so one address plays every client: which limit bites is
  // chosen by making it the lower one.
  for (const [limit, options] of [
    ['per client', { maxTransfersPerClient: 2, maxTransfers: 10 }],
    ['in total', { maxTransfersPerClient: 10, maxTransfers: 2 }],
  ] as const) {
    it(`refuses transfers past the limit ${limit}, without asking the pipeline`, async () => {
      const s = await setup(options);
      const peers = await Promise.all([1, 2, 3].map(() => RawPeer.open()));
      try {
        const tids: number[] = [];
        for (const peer of peers.slice(0, 2)) {
          peer.send(rrq('small.bin'), s.port);
          tids.push((await expectPacket(peer, 'data')).port);
        }
        peers[2]!.send(rrq('small.bin'), s.port);
        assert.match(await expectError(peers[2]!, 0), /busy/i);
        assert.equal(s.door.stats().refused, 1);
        assert.equal(s.door.stats().active, 2);
        assert.equal(s.pipeline.answers.length, 2);
        // A place frees up when a transfer ends.
        peers[0]!.send(encodeError(0, 'stop'), tids[0]!);
        await s.pipeline.settled(1);
        peers[2]!.send(rrq('small.bin'), s.port);
        await expectPacket(peers[2]!, 'data');
      } finally {
        await Promise.all(peers.map((peer) => peer.close()));
        await s.door.close();
      }
    });
  }

  for (const [limit, options] of [
    ['per client', { maxTransfersPerClient: 3, maxTransfers: 10 }],
    ['in total', { maxTransfersPerClient: 10, maxTransfers: 3 }],
  ] as const) {
    it(`at the limit ${limit}, a transfer without progress gives its place to a newcomer`, async () => {
      const s = await setup({ ...options, timeoutMs: 100, retries: 20 });
      const peers = await Promise.all([1, 2, 3, 4].map(() => RawPeer.open()));
      try {
        const tids: number[] = [];
        // Two keep up with their transfer (they acknowledge each block, ending on the
        // last); one takes its first block and goes silent.
        for (const peer of peers.slice(0, 3)) {
          peer.send(rrq('firmware.rom'), s.port);
          tids.push((await expectPacket(peer, 'data')).port);
        }
        const keepUp = [0, 1].map(async (i) => {
          for (let block = 1; ; block += 1) {
            peers[i]!.send(encodeAck(block), tids[i]!);
            const next = await peers[i]!.next(2000);
            if (next?.packet?.kind !== 'data') return next?.packet;
          }
        });
        // Past two of its timeouts the silent one has gone longest without progress.
        await new Promise((resolve) => setTimeout(resolve, 250));
        peers[3]!.send(rrq('small.bin'), s.port);
        await expectPacket(peers[3]!, 'data');
        // The silent one was told why its transfer ended; the ones that kept up go on.
        const told = await peers[2]!.drain(300);
        assert.ok(
          told.some((r) => r.packet?.kind === 'error' && /busy/i.test(r.packet.message)),
          JSON.stringify(told.map((r) => r.packet?.kind)),
        );
        assert.equal(s.door.stats().active, 3);
        assert.equal(s.door.stats().refused, 0);
        const silent = s.pipeline.answers[2]!;
        await s.pipeline.settled(1);
        assert.deepEqual(
          silent.outcomes.map((o) => [o.status, o.reason]),
          [[503, 'made room']],
        );
        for (const [i, peer] of peers.slice(0, 2).entries())
          peer.send(encodeError(0, 'stop'), tids[i]!);
        await Promise.all(keepUp);
      } finally {
        await Promise.all(peers.map((peer) => peer.close()));
        await s.door.close();
      }
    });
  }

  it('takes a new request from the same port as the final ACK of the last transfer', async () => {
    const s = await setup({ maxBlksize: 8192 });
    const peer = await RawPeer.open();
    try {
      peer.send(rrq('y000000000000.cfg', [['blksize', '8192']]), s.port);
      const { port } = await expectPacket(peer, 'oack');
      peer.send(encodeAck(0), port);
      await expectPacket(peer, 'data');
      peer.send(rrq('small.bin', [['blksize', '8192']]), s.port);
      await expectPacket(peer, 'oack');
      await s.pipeline.settled(1);
      assert.deepEqual(s.pipeline.answers[0]?.outcomes, [
        { status: 200, bytes: CONFIG.length, retransmissions: 0, reason: 'final ACK implied' },
      ]);
    } finally {
      await peer.close();
      await s.door.close();
    }
  });

  it('reads a streamed file only as far as the window needs', async () => {
    const s = await setup({ timeoutMs: 100, retries: 1 });
    const peer = await RawPeer.open();
    try {
      peer.send(rrq('firmware.rom', [['blksize', '512']]), s.port);
      const { port } = await expectPacket(peer, 'oack');
      peer.send(encodeAck(0), port);
      await expectPacket(peer, 'data');
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.ok(
        s.pipeline.streamedBytes() <= 4 * 65536,
        `read ${s.pipeline.streamedBytes()} bytes ahead`,
      );
      await s.pipeline.settled(1);
      assert.equal(s.pipeline.answers[0]?.outcomes[0]?.status, 408);
    } finally {
      await peer.close();
      await s.door.close();
    }
  });

  it('ends transfers under way with 503 when closed', async () => {
    const s = await setup();
    const peer = await RawPeer.open();
    try {
      peer.send(rrq('small.bin'), s.port);
      await expectPacket(peer, 'data');
      await s.door.close();
      assert.match(await expectError(peer, 0), /shutting down/);
      assert.deepEqual(s.pipeline.answers[0]?.outcomes, [
        { status: 503, bytes: 0, retransmissions: 0, reason: 'server closing' },
      ]);
      await s.door.close();
    } finally {
      await peer.close();
    }
  });

  it('waits on close for requests still with the pipeline, and records them 503', async () => {
    const pipeline = fakeProvisioner({ 'a.cfg': CONFIG });
    let asked!: () => void;
    const reached = new Promise<void>((resolve) => (asked = resolve));
    const slow = {
      answer: async (request: Parameters<typeof pipeline.answer>[0]) => {
        asked();
        await new Promise((resolve) => setTimeout(resolve, 100));
        return pipeline.answer(request);
      },
    };
    const door = await startTftpDoor({ provisioner: slow, host: '127.0.0.1', port: 0 });
    const peer = await RawPeer.open();
    try {
      peer.send(rrq('a.cfg'), door.address.port);
      // Closed while the request is with the pipeline, however long the door took to get it.
      await reached;
      await door.close();
      assert.deepEqual(pipeline.answers[0]?.outcomes, [
        { status: 503, bytes: 0, retransmissions: 0, reason: 'server closing' },
      ]);
    } finally {
      await peer.close();
    }
  });

  it('works over IPv6 and names the origin the phone used', async () => {
    const pipeline = fakeProvisioner({ 'a.cfg': CONFIG });
    const door = await startTftpDoor({ provisioner: pipeline, host: '::1', port: 0 }).catch(
      () => undefined,
    );
    if (door === undefined) return;
    try {
      assert.deepEqual(await tftpGet(`tftp://[::1]:${door.address.port}/a.cfg`), CONFIG);
      assert.equal(pipeline.answers[0]?.request.origin, `tftp://[::1]:${door.address.port}`);
      assert.equal(pipeline.answers[0]?.request.remoteAddress, '::1');
    } finally {
      await door.close();
    }
  });

  it('finds the address a request arrived on when bound to every address', async () => {
    const pipeline = fakeProvisioner({ 'a.cfg': CONFIG });
    const door = await startTftpDoor({ provisioner: pipeline, host: '0.0.0.0', port: 0 });
    try {
      assert.deepEqual(await tftpGet(`tftp://127.0.0.1:${door.address.port}/a.cfg`), CONFIG);
      assert.equal(pipeline.answers[0]?.request.origin, `tftp://127.0.0.1:${door.address.port}`);
    } finally {
      await door.close();
    }
  });

  it('refuses settings out of range', async () => {
    const provisioner = fakeProvisioner({});
    await assert.rejects(
      startTftpDoor({ provisioner, host: '127.0.0.1', port: 0, maxBlksize: 4 }),
      {
        code: 'PND_CONFIG',
      },
    );
    await assert.rejects(startTftpDoor({ provisioner, host: '127.0.0.1', port: 70000 }), {
      code: 'PND_CONFIG',
    });
  });
});

describe('TFTP door transfer ports', () => {
  /**
   * A whole lock-step transfer of `file` at 512-byte blocks; the bytes and the server's TID.
   * `atFirstBlock` runs once the first block has come, before it is acknowledged.
   */
  async function fetchWhole(
    peer: RawPeer,
    s: Setup,
    file: string,
    atFirstBlock?: (port: number) => Promise<void>,
  ): Promise<{ bytes: Buffer; port: number }> {
    peer.send(rrq(file), s.port);
    const chunks: Buffer[] = [];
    let port = 0;
    for (let block = 1; ; block += 1) {
      const received = await expectPacket(peer, 'data');
      port = received.port;
      assert.ok(
        received.packet.kind === 'data' && received.packet.block === block,
        `block ${block}`,
      );
      chunks.push(received.packet.payload);
      if (block === 1) await atFirstBlock?.(port);
      peer.send(encodeAck(block), port);
      if (received.packet.payload.length < 512) break;
    }
    return { bytes: Buffer.concat(chunks), port };
  }

  it("lends a finished transfer's port to the next phone; the last phone's late ACK is a stranger's", async () => {
    const s = await setup();
    const first = await RawPeer.open();
    const second = await RawPeer.open();
    try {
      const one = await fetchWhole(first, s, 'exact.bin');
      assert.deepEqual(one.bytes, EXACT);
      await s.pipeline.settled(1);
      const two = await fetchWhole(second, s, 'small.bin', async (port) => {
        assert.equal(port, one.port, 'the spare port is lent to the next phone');
        // A duplicate of the first phone's last ACK, arriving late at the port now lent.
        first.send(encodeAck(4), port);
        assert.equal(await expectError(first, 5), 'Unknown transfer ID');
      });
      assert.deepEqual(two.bytes, SMALL);
      await s.pipeline.settled(2);
      assert.equal(s.pipeline.answers[1]?.outcomes[0]?.status, 200);
      assert.equal(s.door.stats().unknownTid, 1);
    } finally {
      await first.close();
      await second.close();
      await s.door.close();
    }
  });

  it('never lends a port to the phone whose transfer ended on it', async () => {
    const s = await setup();
    const peer = await RawPeer.open();
    try {
      const one = await fetchWhole(peer, s, 'exact.bin');
      await s.pipeline.settled(1);
      const two = await fetchWhole(peer, s, 'small.bin');
      assert.deepEqual(two.bytes, SMALL);
      assert.notEqual(two.port, one.port);
      // Both ports wait on, for another phone.
      await s.pipeline.settled(2);
      const three = await fetchWhole(peer, s, 'exact.bin');
      assert.ok(three.port !== one.port && three.port !== two.port);
      const other = await RawPeer.open();
      try {
        const four = await fetchWhole(other, s, 'exact.bin');
        assert.ok([one.port, two.port, three.port].includes(four.port));
      } finally {
        await other.close();
      }
    } finally {
      await peer.close();
      await s.door.close();
    }
  });

  it('keeps at most its spare ports, and closes them all with the door', async () => {
    const peers = await Promise.all(Array.from({ length: 40 }, () => RawPeer.open()));
    const s = await setup({ maxTransfersPerClient: 64 });
    try {
      // Forty transfers at once, each held at its first block, then all finished together.
      const ports = await Promise.all(
        peers.map(async (peer) => {
          peer.send(rrq('exact.bin'), s.port);
          return (await expectPacket(peer, 'data')).port;
        }),
      );
      assert.equal(new Set(ports).size, 40);
      for (const [i, peer] of peers.entries()) peer.send(encodeError(0, 'enough'), ports[i]!);
      await s.pipeline.settled(40);
      // Of the forty, SPARE_PORTS stay bound: a new phone's request gets one of them.
      const late = await RawPeer.open();
      try {
        late.send(rrq('exact.bin'), s.port);
        const { port } = await expectPacket(late, 'data');
        assert.ok(ports.includes(port), 'a spare port is lent');
        late.send(encodeError(0, 'enough'), port);
      } finally {
        await late.close();
      }
      const bound = ports.filter((port) => portInUse(port)).length;
      assert.equal(bound, SPARE_PORTS);
      await s.door.close();
      assert.equal(ports.filter((port) => portInUse(port)).length, 0);
    } finally {
      await Promise.all(peers.map((peer) => peer.close()));
      await s.door.close();
    }
  });
});

/** A UDP port on 127.0.0.1 bound by anyone: /proc/net/udp lists it (port in hex). */
function portInUse(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  return readFileSync('/proc/net/udp', 'utf8')
    .split('\n')
    .some((line) => line.trim().split(/\s+/)[1]?.endsWith(hex.trim()));
}
