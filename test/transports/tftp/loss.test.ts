// Every byte right through a network that drops, duplicates, delays and so reorders
// datagrams (seeded: the same decisions every run).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';

import { tftpGet } from '../../../src/simulate/tftp-client.ts';
import { startTftpDoor } from '../../../src/transports/tftp/server.ts';
import type { TftpDoor } from '../../../src/transports/tftp/server.ts';
import { requirePeer } from '../../support/peer.ts';
import { fakeProvisioner, patternBytes, startLossyRelay } from './support.ts';
import type { FakeProvisioner, Relay } from './support.ts';

const SMALL = patternBytes(64 * 1024 + 17, 3);
const LARGE = patternBytes(1024 * 1024 + 5, 4);
const LOSSY = { drop: 0.05, duplicate: 0.05, delay: 0.1, maxDelayMs: 30 };

describe('TFTP over a lossy network', () => {
  let door: TftpDoor;
  let pipeline: FakeProvisioner;
  before(async () => {
    pipeline = fakeProvisioner({ 'small.bin': SMALL }, { 'large.bin': LARGE });
    door = await startTftpDoor({
      provisioner: pipeline,
      host: '127.0.0.1',
      port: 0,
      timeoutMs: 100,
      retries: 20,
    });
  });
  after(async () => {
    await door.close();
  });

  /** Runs a client through a fresh relay, kept until the door has recorded the transfer. */
  async function through<T>(seed: number, run: (relay: Relay) => Promise<T>): Promise<T> {
    const relay = await startLossyRelay(door.address.port, { seed, ...LOSSY });
    const before = pipeline.answers.length;
    try {
      const result = await run(relay);
      await pipeline.settled(before + 1, 15_000);
      assert.ok(relay.stats.dropped > 0, 'the relay dropped something');
      assert.ok(relay.stats.duplicated > 0, 'the relay duplicated something');
      return result;
    } finally {
      await relay.close();
    }
  }

  it('lock-step with our client', async () => {
    const got = await through(1, (relay) =>
      tftpGet(`tftp://127.0.0.1:${relay.port}/small.bin`, {
        timeoutMs: 100,
        retries: 20,
        tsize: true,
      }),
    );
    assert.ok(got.equals(SMALL));
  });

  it('windowed with our client, streamed content', async () => {
    const before = pipeline.answers.length;
    const got = await through(2, (relay) =>
      tftpGet(`tftp://127.0.0.1:${relay.port}/large.bin`, {
        timeoutMs: 100,
        retries: 20,
        blksize: 1468,
        windowsize: 16,
      }),
    );
    assert.ok(got.equals(LARGE));
    const outcome = pipeline.answers[before]?.outcomes;
    assert.equal(outcome?.length, 1);
    assert.equal(outcome?.[0]?.status, 200, JSON.stringify(outcome));
    assert.ok((outcome?.[0]?.retransmissions ?? 0) > 0);
  });

  it('with curl', async (t) => {
    if (!requirePeer(t, 'curl', 'curl')) return;
    // Without options curl sends no `timeout`, which the door would honour (curl asks
    // for seconds): recovery then runs on the door's 100 ms and curl's re-ACKs.
    const got = await through(4, (relay) =>
      run('curl', [
        '-sS',
        '--max-time',
        '30',
        '--tftp-no-options',
        `tftp://127.0.0.1:${relay.port}/small.bin`,
      ]),
    );
    assert.ok(got.equals(SMALL));
  });
});

function run(command: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { encoding: 'buffer', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} failed: ${error.message} ${stderr.toString()}`));
        else resolve(stdout);
      },
    );
  });
}
