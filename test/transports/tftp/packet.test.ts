import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  NetasciiDecoder,
  netasciiLength,
  toNetascii,
} from '../../../src/transports/tftp/netascii.ts';
import { negotiateRead, oackEntries } from '../../../src/transports/tftp/options.ts';
import {
  MAX_REQUEST_SIZE,
  decodePacket,
  encodeAck,
  encodeData,
  encodeError,
  encodeOack,
  encodeRequest,
} from '../../../src/transports/tftp/packet.ts';
import type { TftpPacket } from '../../../src/transports/tftp/packet.ts';

function decoded(datagram: Buffer): TftpPacket {
  const result = decodePacket(datagram);
  assert.ok(result.ok, `expected a packet, got ${result.ok ? '' : result.error.message}`);
  return result.value;
}

function reason(datagram: Buffer): string {
  const result = decodePacket(datagram);
  assert.ok(!result.ok, 'expected a malformed packet');
  assert.equal(result.error.code, 'PND_TFTP_MALFORMED');
  return String(result.error.details?.reason);
}

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('TFTP packets', () => {
  it('round-trips a read request with options', () => {
    const packet = encodeRequest('rrq', 'y000000000000.cfg', 'octet', [
      ['tsize', '0'],
      ['blksize', '512'],
    ]);
    assert.deepEqual(
      packet,
      bytes('\x00\x01y000000000000.cfg\x00octet\x00tsize\x000\x00blksize\x00512\x00'),
    );
    assert.deepEqual(decoded(packet), {
      kind: 'rrq',
      filename: 'y000000000000.cfg',
      mode: 'octet',
      options: new Map([
        ['tsize', '0'],
        ['blksize', '512'],
      ]),
    });
  });

  it('reads the phone request of seed 001: tsize=0, blksize=512 and an empty timeout', () => {
    for (const tail of ['timeout\x00\x00\x00', 'timeout\x00\x00']) {
      const packet = decoded(
        bytes(`\x00\x010021f222b01d\x00octet\x00tsize\x000\x00blksize\x00512\x00${tail}`),
      );
      assert.equal(packet.kind, 'rrq');
      assert.equal(packet.kind === 'rrq' && packet.options.get('timeout'), '');
    }
    const odd = decoded(
      bytes('\x00\x010021f222b01d\x00octet\x00tsize\x000\x00blksize\x00512\x00timeout\x00\x01\x00'),
    );
    assert.equal(odd.kind === 'rrq' && odd.options.get('timeout'), '\x01');
  });

  it('lower-cases mode and option names, keeps the first of duplicate options', () => {
    const packet = decoded(
      bytes('\x00\x01File.BIN\x00NetASCII\x00BlkSize\x001024\x00blksize\x008\x00'),
    );
    assert.deepEqual(packet, {
      kind: 'rrq',
      filename: 'File.BIN',
      mode: 'netascii',
      options: new Map([['blksize', '1024']]),
    });
  });

  it('decodes file names as UTF-8 when they are, byte for byte otherwise', () => {
    const utf8 = decoded(
      Buffer.concat([bytes('\x00\x01'), Buffer.from('é.cfg'), bytes('\x00octet\x00')]),
    );
    assert.equal(utf8.kind === 'rrq' && utf8.filename, 'é.cfg');
    const latin1 = decoded(bytes('\x00\x01\xe9.cfg\x00octet\x00'));
    assert.equal(latin1.kind === 'rrq' && latin1.filename, 'é.cfg');
  });

  it('round-trips data, ack, error and oack', () => {
    const payload = Buffer.from('hello');
    assert.deepEqual(decoded(encodeData(70000, payload)), {
      kind: 'data',
      block: 70000 & 0xffff,
      payload,
    });
    assert.deepEqual(decoded(encodeData(1, Buffer.alloc(0))), {
      kind: 'data',
      block: 1,
      payload: Buffer.alloc(0),
    });
    assert.deepEqual(decoded(encodeAck(65535)), { kind: 'ack', block: 65535 });
    assert.deepEqual(encodeError(1, 'File not found'), bytes('\x00\x05\x00\x01File not found\x00'));
    assert.deepEqual(decoded(encodeError(1, 'File not found')), {
      kind: 'error',
      code: 1,
      message: 'File not found',
    });
    assert.deepEqual(
      decoded(
        encodeOack([
          ['blksize', '1468'],
          ['tsize', '2560'],
        ]),
      ),
      {
        kind: 'oack',
        options: new Map([
          ['blksize', '1468'],
          ['tsize', '2560'],
        ]),
      },
    );
  });

  it('tolerates padding after an ACK and an error without its NUL', () => {
    assert.deepEqual(decoded(bytes('\x00\x04\x00\x07\x00\x00')), { kind: 'ack', block: 7 });
    assert.deepEqual(decoded(bytes('\x00\x05\x00\x02nope')), {
      kind: 'error',
      code: 2,
      message: 'nope',
    });
    const control = decoded(bytes('\x00\x05\x00\x00a\x1bb\x00'));
    assert.equal(control.kind === 'error' && control.message, 'a?b');
  });

  it('refuses every malformed shape with a reason', () => {
    assert.equal(reason(Buffer.alloc(0)), 'truncated');
    assert.equal(reason(bytes('\x00')), 'truncated');
    assert.equal(reason(bytes('\x00\x07abc')), 'unknown opcode');
    assert.equal(reason(bytes('\x00\x00')), 'unknown opcode');
    assert.equal(reason(bytes('\xff\xff\x00\x01')), 'unknown opcode');
    assert.equal(reason(bytes('\x00\x01file')), 'missing NUL');
    assert.equal(reason(bytes('\x00\x01file\x00octet')), 'missing NUL');
    assert.equal(reason(bytes('\x00\x01\x00octet\x00')), 'missing filename');
    assert.equal(reason(bytes('\x00\x01file\x00\x00')), 'missing mode');
    assert.equal(reason(bytes('\x00\x01file\x00')), 'missing mode');
    assert.equal(reason(bytes('\x00\x01file\x00octet\x00blksize\x00')), 'option without value');
    assert.equal(reason(bytes('\x00\x01file\x00octet\x00\x00512\x00')), 'option without value');
    assert.equal(reason(bytes('\x00\x02file\x00octet\x00blksize\x00512')), 'missing NUL');
    assert.equal(
      reason(
        Buffer.concat([
          bytes('\x00\x01'),
          Buffer.alloc(MAX_REQUEST_SIZE, 0x61),
          bytes('\x00octet\x00'),
        ]),
      ),
      'oversized',
    );
    assert.equal(reason(bytes('\x00\x03\x00')), 'truncated');
    assert.equal(reason(Buffer.alloc(65469 + 4, 0).fill(3, 1, 2)), 'oversized');
    assert.equal(reason(bytes('\x00\x04\x00')), 'truncated');
    assert.equal(
      reason(Buffer.concat([bytes('\x00\x04\x00\x01'), Buffer.alloc(600)])),
      'oversized',
    );
    assert.equal(reason(bytes('\x00\x05\x00')), 'truncated');
    assert.equal(reason(bytes('\x00\x06blksize\x00512')), 'missing NUL');
    assert.equal(reason(bytes('\x00\x06blksize\x00')), 'option without value');
  });

  it('never throws on random bytes', () => {
    let seed = 7;
    for (let i = 0; i < 5000; i += 1) {
      const length = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 80;
      const datagram = Buffer.alloc(length);
      for (let j = 0; j < length; j += 1) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        datagram[j] = seed % 7 === 0 ? 0 : seed & 0xff;
      }
      if (length >= 2) datagram[0] = 0;
      if (length >= 2) datagram[1] = seed % 8;
      const result = decodePacket(datagram);
      assert.equal(typeof result.ok, 'boolean');
    }
  });

  it('refuses to encode what cannot be sent', () => {
    assert.throws(() => encodeRequest('rrq', 'a\0b', 'octet'), { code: 'PND_INVALID_ARGUMENT' });
    assert.throws(() => encodeRequest('rrq', 'x'.repeat(600), 'octet'), {
      code: 'PND_INVALID_ARGUMENT',
    });
  });
});

describe('TFTP option negotiation', () => {
  const limits = { maxBlksize: 1468, maxWindowsize: 64 };
  const negotiate = (options: Record<string, string>): ReturnType<typeof negotiateRead> =>
    negotiateRead(new Map(Object.entries(options)), limits);

  it('accepts, clamps and orders options as the client sent them', () => {
    const result = negotiate({
      tsize: '0',
      blksize: '65464',
      timeout: '3',
      windowsize: '1000',
      rollover: '0',
    });
    assert.ok(result.ok);
    assert.equal(result.value.blksize, 1468);
    assert.equal(result.value.windowsize, 64);
    assert.equal(result.value.timeoutMs, 3000);
    assert.deepEqual(oackEntries(result.value, 2560), [
      ['tsize', '2560'],
      ['blksize', '1468'],
      ['timeout', '3'],
      ['windowsize', '64'],
    ]);
    assert.deepEqual(
      oackEntries(result.value, undefined).map(([name]) => name),
      ['blksize', 'timeout', 'windowsize'],
    );
  });

  it('lowers windowsize so that a window stays within 1 MiB', () => {
    const result = negotiateRead(
      new Map([
        ['windowsize', '64'],
        ['blksize', '65464'],
      ]),
      { maxBlksize: 65464, maxWindowsize: 64 },
    );
    assert.ok(result.ok);
    assert.equal(result.value.windowsize, 16);
    assert.deepEqual(result.value.accepted, [
      ['windowsize', '16'],
      ['blksize', '65464'],
    ]);
  });

  it('keeps RFC 1350 defaults without options', () => {
    const result = negotiate({});
    assert.ok(result.ok);
    assert.deepEqual(result.value, {
      blksize: 512,
      windowsize: 1,
      timeoutMs: undefined,
      accepted: [],
    });
  });

  it('ignores values that are not numbers (an empty timeout from a phone)', () => {
    const result = negotiate({ tsize: '0', blksize: '512', timeout: '' });
    assert.ok(result.ok);
    assert.deepEqual(oackEntries(result.value, 100), [
      ['tsize', '100'],
      ['blksize', '512'],
    ]);
    const junk = negotiate({ blksize: 'big', windowsize: '-4', timeout: '1.5' });
    assert.ok(junk.ok);
    assert.deepEqual(junk.value.accepted, []);
  });

  it('refuses numbers no RFC allows', () => {
    assert.deepEqual(negotiate({ blksize: '7' }), { ok: false, option: 'blksize' });
    assert.deepEqual(negotiate({ windowsize: '0' }), { ok: false, option: 'windowsize' });
    assert.deepEqual(negotiate({ timeout: '0' }), { ok: false, option: 'timeout' });
    assert.deepEqual(negotiate({ timeout: '256' }), { ok: false, option: 'timeout' });
    const smallest = negotiate({ blksize: '8', windowsize: '1', timeout: '255' });
    assert.ok(smallest.ok);
    assert.equal(smallest.value.blksize, 8);
  });
});

describe('netascii', () => {
  it('turns LF into CR LF and CR into CR NUL', () => {
    const local = bytes('a\nb\rc\r\nd');
    const wire = toNetascii(local);
    assert.deepEqual(wire, bytes('a\r\nb\r\0c\r\0\r\nd'));
    assert.equal(netasciiLength(local), wire.length);
    assert.equal(toNetascii(bytes('plain')).toString(), 'plain');
  });

  it('decodes back across any chunk boundary', () => {
    const local = bytes('x\r\n\ry\n\n\rz\r');
    const wire = toNetascii(local);
    for (let cut = 0; cut <= wire.length; cut += 1) {
      const decoder = new NetasciiDecoder();
      const out = Buffer.concat([
        decoder.push(wire.subarray(0, cut)),
        decoder.push(wire.subarray(cut)),
        decoder.end(),
      ]);
      assert.deepEqual(out, local, `cut at ${cut}`);
    }
  });
});
