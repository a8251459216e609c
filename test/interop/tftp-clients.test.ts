// The TFTP door against the real Debian clients: tftp-hpa, atftp and curl, each run as
// its own process. A missing client fails under CI and is skipped elsewhere.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { startTftpDoor } from '../../src/transports/tftp/server.ts';
import type { TftpDoor } from '../../src/transports/tftp/server.ts';
import { requirePeer } from '../support/peer.ts';
import { fakeProvisioner, patternBytes } from '../transports/tftp/support.ts';
import type { FakeProvisioner } from '../transports/tftp/support.ts';

const CONFIG = Buffer.from(
  '#!version:1.0.0.1\n## common config\r\naccount.1.enable = 1\nlocal_time.time_zone=+8\r\n'.repeat(
    40,
  ),
);
const FILES: Record<string, Buffer> = {
  'y000000000000.cfg': CONFIG,
  'exact512.bin': patternBytes(512 * 40, 5),
  'exact1468.bin': patternBytes(1468 * 12, 6),
};
// Over 65535 blocks at 512 bytes: the block number wraps.
const ROLLOVER = patternBytes(33.5 * 1024 * 1024, 7);
const FIRMWARE = patternBytes(16 * 1024 * 1024 + 321, 8);
const STREAMED = { 'firmware.rom': FIRMWARE, 'rollover.bin': ROLLOVER };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { timeout: timeoutMs, maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`${command} ${args.join(' ')}: ${error.message}`));
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

describe('TFTP door with real clients', () => {
  let door: TftpDoor;
  let pipeline: FakeProvisioner;
  let dir: string;
  let port: number;

  before(async () => {
    pipeline = fakeProvisioner(FILES, STREAMED);
    door = await startTftpDoor({ provisioner: pipeline, host: '127.0.0.1', port: 0 });
    port = door.address.port;
    dir = await mkdtemp(join(tmpdir(), 'plugndial-tftp-'));
  });
  after(async () => {
    await door.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The local copy equals the served bytes, and the door recorded one delivery. */
  async function assertFetched(local: string, expected: Buffer): Promise<void> {
    const got = await readFile(local);
    assert.equal(got.length, expected.length, `${local}: size`);
    assert.ok(got.equals(expected), `${local}: bytes differ`);
    await pipeline.settled(pipeline.answers.length);
    const outcomes = pipeline.answers.at(-1)?.outcomes.map((o) => [o.status, o.bytes]);
    assert.deepEqual(outcomes, [[200, expected.length]]);
  }

  describe('tftp-hpa', () => {
    const tftp = (mode: string, remote: string, local: string): Promise<Run> =>
      run('tftp', ['127.0.0.1', String(port), '-m', mode, '-c', 'get', remote, local]);

    it('gets files byte for byte, including an exact multiple of the block size', async (t) => {
      if (!requirePeer(t, 'tftp', 'tftp-hpa')) return;
      for (const name of ['y000000000000.cfg', 'exact512.bin', 'firmware.rom']) {
        const local = join(dir, `hpa-${name}`);
        const result = await tftp('binary', name, local);
        assert.equal(result.code, 0, result.stderr);
        await assertFetched(local, name === 'firmware.rom' ? FIRMWARE : (FILES[name] as Buffer));
      }
    });

    it('gets a file of more than 65535 blocks (block number rollover)', async (t) => {
      if (!requirePeer(t, 'tftp', 'tftp-hpa')) return;
      const local = join(dir, 'hpa-rollover.bin');
      const result = await tftp('binary', 'rollover.bin', local);
      assert.equal(result.code, 0, result.stderr);
      await assertFetched(local, ROLLOVER);
    });

    it('gets netascii back to the original bytes', async (t) => {
      if (!requirePeer(t, 'tftp', 'tftp-hpa')) return;
      const local = join(dir, 'hpa-ascii.cfg');
      const result = await tftp('ascii', 'y000000000000.cfg', local);
      assert.equal(result.code, 0, result.stderr);
      assert.ok((await readFile(local)).equals(CONFIG));
    });

    it('reports a missing file as error 1', async (t) => {
      if (!requirePeer(t, 'tftp', 'tftp-hpa')) return;
      const result = await tftp('binary', '0021f222b01d.boot', join(dir, 'hpa-missing'));
      assert.match(result.stdout + result.stderr, /Error code 1: File not found/);
      assert.deepEqual(
        pipeline.answers.at(-1)?.outcomes.map((o) => o.status),
        [404],
      );
    });
  });

  describe('atftp', () => {
    const atftp = (remote: string, local: string, options: string[] = []): Promise<Run> =>
      run('atftp', [
        ...options.flatMap((o) => ['--option', o]),
        '--get',
        '-r',
        remote,
        '-l',
        local,
        '127.0.0.1',
        String(port),
      ]);

    it('gets files with blksize and tsize', async (t) => {
      if (!requirePeer(t, 'atftp', 'atftp')) return;
      for (const name of ['y000000000000.cfg', 'exact1468.bin', 'exact512.bin']) {
        const local = join(dir, `atftp-${name}`);
        const result = await atftp(name, local, ['blksize 1468', 'tsize 0']);
        assert.equal(result.code, 0, result.stderr);
        await assertFetched(local, FILES[name] as Buffer);
      }
    });

    it('gets the streamed image with windowsize 8', async (t) => {
      if (!requirePeer(t, 'atftp', 'atftp')) return;
      const local = join(dir, 'atftp-firmware.rom');
      const result = await atftp('firmware.rom', local, [
        'blksize 1468',
        'tsize 0',
        'windowsize 8',
      ]);
      assert.equal(result.code, 0, result.stderr);
      await assertFetched(local, FIRMWARE);
    });

    it('gets a file of more than 65535 blocks', async (t) => {
      if (!requirePeer(t, 'atftp', 'atftp')) return;
      const local = join(dir, 'atftp-rollover.bin');
      const result = await atftp('rollover.bin', local, ['blksize 512']);
      assert.equal(result.code, 0, result.stderr);
      await assertFetched(local, ROLLOVER);
    });

    it('reports a missing file', async (t) => {
      if (!requirePeer(t, 'atftp', 'atftp')) return;
      const result = await atftp('0021f222b01d', join(dir, 'atftp-missing'));
      assert.notEqual(result.code, 0);
      assert.match(result.stdout + result.stderr, /File not found/);
    });
  });

  describe('curl', () => {
    const curl = (remote: string, local: string, options: string[] = []): Promise<Run> =>
      run('curl', [
        '-sS',
        '--max-time',
        '60',
        ...options,
        '-o',
        local,
        `tftp://127.0.0.1:${port}/${remote}`,
      ]);

    it('gets files byte for byte with --tftp-blksize', async (t) => {
      if (!requirePeer(t, 'curl', 'curl')) return;
      for (const [name, blksize] of [
        ['y000000000000.cfg', '512'],
        ['exact1468.bin', '1468'],
        ['exact512.bin', '512'],
        ['firmware.rom', '1468'],
      ] as const) {
        const local = join(dir, `curl-${name}`);
        const result = await curl(name, local, ['--tftp-blksize', blksize]);
        assert.equal(result.code, 0, result.stderr);
        await assertFetched(local, name === 'firmware.rom' ? FIRMWARE : (FILES[name] as Buffer));
      }
    });

    it('gets a file of more than 65535 blocks', async (t) => {
      if (!requirePeer(t, 'curl', 'curl')) return;
      const local = join(dir, 'curl-rollover.bin');
      const result = await curl('rollover.bin', local, ['--tftp-blksize', '512']);
      assert.equal(result.code, 0, result.stderr);
      await assertFetched(local, ROLLOVER);
    });

    it('reports a missing file (exit 68)', async (t) => {
      if (!requirePeer(t, 'curl', 'curl')) return;
      const result = await curl('y000000000000.boot', join(dir, 'curl-missing'));
      assert.equal(result.code, 68, result.stderr);
    });
  });
});
