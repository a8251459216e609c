import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';

import type { TransferOutcome } from '../../../src/provisioning/request.ts';
import { decodePacket, encodeOack } from '../../../src/transports/tftp/packet.ts';
import type { TftpPacket } from '../../../src/transports/tftp/packet.ts';
import { bufferSource, streamSource } from '../../../src/transports/tftp/source.ts';
import type { BlockSource } from '../../../src/transports/tftp/source.ts';
import { ReadTransfer } from '../../../src/transports/tftp/transfer.ts';
import type { StartTimer } from '../../../src/transports/tftp/transfer.ts';
import { patternBytes } from './support.ts';

interface Harness {
  transfer: ReadTransfer;
  /** Durations the timers were started with, in order. */
  timerMs: number[];
  sent: TftpPacket[];
  outcomes: TransferOutcome[];
  /** Fires the retransmission timer, as if timeoutMs passed without progress. */
  timeout(): void;
  ack(block: number): void;
  /** DATA blocks sent since the last call, as block numbers. */
  takeBlocks(): number[];
}

function harness(
  source: BlockSource,
  options: {
    blksize?: number;
    windowsize?: number;
    retries?: number;
    oack?: Buffer;
    oackTimeoutMs?: number;
  } = {},
): Harness {
  const sent: TftpPacket[] = [];
  const outcomes: TransferOutcome[] = [];
  let fire: (() => void) | undefined;
  let taken = 0;
  const timerMs: number[] = [];
  const startTimer: StartTimer = (ms, onFire) => {
    timerMs.push(ms);
    fire = onFire;
    return { refresh: () => undefined, cancel: () => (fire = undefined) };
  };
  const transfer = new ReadTransfer({
    source,
    blksize: options.blksize ?? 4,
    windowsize: options.windowsize ?? 1,
    timeoutMs: 1000,
    retries: options.retries ?? 3,
    oack: options.oack,
    ...(options.oackTimeoutMs !== undefined ? { oackTimeoutMs: options.oackTimeoutMs } : {}),
    send: (datagram) => {
      const decoded = decodePacket(Buffer.from(datagram));
      assert.ok(decoded.ok);
      sent.push(decoded.value);
    },
    finish: (outcome) => outcomes.push(outcome),
    startTimer,
  });
  return {
    transfer,
    timerMs,
    sent,
    outcomes,
    timeout: () => fire?.(),
    ack: (block) => transfer.receive({ kind: 'ack', block: block & 0xffff }),
    takeBlocks: () => {
      const fresh = sent.slice(taken);
      taken = sent.length;
      return fresh.flatMap((packet) => (packet.kind === 'data' ? [packet.block] : []));
    },
  };
}

function payloads(sent: TftpPacket[]): Buffer {
  return Buffer.concat(sent.flatMap((packet) => (packet.kind === 'data' ? [packet.payload] : [])));
}

describe('read transfer', () => {
  it('sends lock-step blocks and a zero-length last block when the size is a multiple', () => {
    const h = harness(bufferSource(Buffer.from('abcdefgh')));
    h.transfer.start();
    assert.deepEqual(h.takeBlocks(), [1]);
    h.ack(1);
    assert.deepEqual(h.takeBlocks(), [2]);
    h.ack(2);
    const last = h.sent.at(-1);
    assert.equal(last?.kind === 'data' && last.payload.length, 0);
    assert.deepEqual(h.takeBlocks(), [3]);
    assert.equal(h.outcomes.length, 0);
    h.ack(3);
    assert.deepEqual(h.outcomes, [{ status: 200, bytes: 8, retransmissions: 0 }]);
  });

  it('waits for ACK 0 after an OACK and resends only the OACK on timeout', () => {
    const h = harness(bufferSource(Buffer.from('abc')), { oack: encodeOack([['blksize', '4']]) });
    h.transfer.start();
    assert.equal(h.sent[0]?.kind, 'oack');
    h.ack(1);
    h.timeout();
    assert.deepEqual(
      h.sent.map((p) => p.kind),
      ['oack', 'oack'],
    );
    h.ack(0);
    h.ack(0);
    assert.deepEqual(
      h.sent.map((p) => p.kind),
      ['oack', 'oack', 'data'],
    );
    h.ack(1);
    assert.deepEqual(h.outcomes, [{ status: 200, bytes: 3, retransmissions: 1 }]);
  });

  it("waits for ACK 0 on the server's timeout, then on the client's", () => {
    const h = harness(bufferSource(Buffer.from('abc')), {
      oack: encodeOack([['timeout', '1']]),
      oackTimeoutMs: 300,
      retries: 1,
    });
    h.transfer.start();
    h.ack(0);
    assert.deepEqual(h.timerMs, [300, 1000]);
    const spoofed = harness(bufferSource(Buffer.from('abc')), {
      oack: encodeOack([['timeout', '1']]),
      oackTimeoutMs: 300,
      retries: 1,
    });
    spoofed.transfer.start();
    spoofed.timeout();
    spoofed.timeout();
    assert.equal(spoofed.outcomes[0]?.status, 408);
    assert.deepEqual(spoofed.timerMs, [300]);
  });

  it('ignores duplicate ACKs: only a timeout retransmits (no Sorcerer’s Apprentice)', () => {
    const h = harness(bufferSource(patternBytes(40)));
    h.transfer.start();
    h.ack(1);
    h.ack(1);
    h.ack(1);
    assert.deepEqual(h.takeBlocks(), [1, 2]);
    h.timeout();
    assert.deepEqual(h.takeBlocks(), [2]);
    h.ack(1);
    assert.deepEqual(h.takeBlocks(), []);
  });

  it('gives up after the retries with 408', () => {
    const h = harness(bufferSource(patternBytes(40)), { retries: 2 });
    h.transfer.start();
    h.timeout();
    h.timeout();
    assert.equal(h.outcomes.length, 0);
    h.timeout();
    assert.deepEqual(h.outcomes, [
      { status: 408, bytes: 0, retransmissions: 2, reason: 'timed out' },
    ]);
    assert.equal(h.sent.at(-1)?.kind, 'error');
  });

  it('sends a window, slides it, and rewinds once on an ACK inside it', () => {
    const file = patternBytes(4 * 20 + 1);
    const h = harness(bufferSource(file), { windowsize: 4 });
    h.transfer.start();
    assert.deepEqual(h.takeBlocks(), [1, 2, 3, 4]);
    h.ack(4);
    assert.deepEqual(h.takeBlocks(), [5, 6, 7, 8]);
    h.ack(6);
    assert.deepEqual(h.takeBlocks(), [7, 8, 9, 10]);
    h.ack(6);
    assert.deepEqual(h.takeBlocks(), []);
    h.ack(3);
    assert.deepEqual(h.takeBlocks(), []);
    h.timeout();
    assert.deepEqual(h.takeBlocks(), [7, 8, 9, 10]);
    h.ack(10);
    assert.deepEqual(h.takeBlocks(), [11, 12, 13, 14]);
    h.ack(14);
    h.ack(18);
    assert.deepEqual(h.takeBlocks(), [15, 16, 17, 18, 19, 20, 21]);
    h.ack(21);
    assert.equal(h.outcomes[0]?.status, 200);
    assert.equal(h.outcomes[0]?.bytes, file.length);
    assert.equal(h.outcomes[0]?.retransmissions, 6);
  });

  it('a client that acknowledges every block of a window gets each block at most twice', () => {
    const blocks = 400;
    const file = patternBytes(blocks * 4 - 1);
    const h = harness(bufferSource(file), { windowsize: 64 });
    h.transfer.start();
    // Lock-step habit: each DATA received is acknowledged at once, in the order it came.
    let guard = 0;
    while (h.outcomes.length === 0 && guard++ < 100_000) {
      const packet = h.sent.shift();
      if (packet === undefined) break;
      if (packet.kind === 'data') h.ack(packet.block);
    }
    assert.equal(h.outcomes[0]?.status, 200);
    const again = h.outcomes[0]?.retransmissions ?? 0;
    assert.ok(again <= blocks, `${again} blocks sent again for ${blocks}`);
  });

  it('rolls block numbers over to 0 past 65535', () => {
    const blocks = 65540;
    const file = patternBytes(blocks * 4 - 2);
    const h = harness(bufferSource(file), { windowsize: 8 });
    h.transfer.start();
    let acked = 0;
    let guard = 0;
    while (h.outcomes.length === 0 && guard++ < 20000) {
      acked = Math.min(acked + 8, blocks);
      h.ack(acked);
    }
    const numbers = h.sent.flatMap((p) => (p.kind === 'data' ? [p.block] : []));
    assert.equal(numbers.length, blocks);
    assert.deepEqual(numbers.slice(65532, 65538), [65533, 65534, 65535, 0, 1, 2]);
    assert.deepEqual(payloads(h.sent), file);
    assert.equal(h.outcomes[0]?.status, 200);
  });

  it('records a client error as 499 and an illegal packet as 400', () => {
    const aborted = harness(bufferSource(patternBytes(40)));
    aborted.transfer.start();
    aborted.transfer.receive({ kind: 'error', code: 0, message: 'cancelled' });
    assert.deepEqual(aborted.outcomes, [
      { status: 499, bytes: 0, retransmissions: 0, reason: 'client error 0' },
    ]);
    aborted.ack(1);
    assert.equal(aborted.outcomes.length, 1);

    const illegal = harness(bufferSource(patternBytes(40)));
    illegal.transfer.start();
    illegal.transfer.receive({ kind: 'data', block: 1, payload: Buffer.alloc(1) });
    assert.equal(illegal.outcomes[0]?.status, 400);
    const error = illegal.sent.at(-1);
    assert.equal(error?.kind === 'error' && error.code, 4);
  });

  it('streams with back-pressure: reads only what the window needs', async () => {
    const stream = new PassThrough({ highWaterMark: 16 });
    const h = harness(streamSource(stream), { blksize: 4, windowsize: 2 });
    h.transfer.start();
    assert.deepEqual(h.takeBlocks(), []);
    stream.write(Buffer.from('abcdef'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(h.takeBlocks(), [1]);
    stream.end(Buffer.from('gh'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(h.takeBlocks(), [2]);
    h.ack(2);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(h.takeBlocks(), [3]);
    h.ack(3);
    assert.deepEqual(h.outcomes, [{ status: 200, bytes: 8, retransmissions: 0 }]);
    assert.ok(stream.destroyed);
  });

  it('fails with 500 when the stream fails, telling the client', async () => {
    const stream = new PassThrough();
    const h = harness(streamSource(stream));
    h.transfer.start();
    stream.destroy(new Error('disk on fire'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(h.outcomes, [
      { status: 500, bytes: 0, retransmissions: 0, reason: 'content read failed' },
    ]);
    const error = h.sent.at(-1);
    assert.equal(error?.kind === 'error' && error.message, 'Transfer failed');
  });
});
