import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import type { AbuseResult } from '../../bench/abuse.ts';

// bench/abuse.ts --quick against the server from the sources: 200 slow connections on each of
// the HTTP, HTTPS, FTP and ACS doors and 100 half-finished TFTP transfers, from 50 addresses
// and then from one, at limits scaled down so that each is reached. A phone must be served on
// every door meanwhile; no time is asserted, only that its fetches succeed within its own
// timeouts and retries.

const BENCH = fileURLToPath(new URL('../../bench/abuse.ts', import.meta.url));

function runBench(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', BENCH, '--quick', '--json', '--sources'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

test('under slow clients and half-finished transfers, a phone is served on every door', async () => {
  const { code, output } = await runBench();
  assert.equal(code, 0, output);
  const line = output.split('\n').find((l) => l.startsWith('RESULT '));
  assert.ok(line, output);
  const result = JSON.parse(line.slice('RESULT '.length)) as AbuseResult;
  assert.equal(result.runs.length, 2);
  for (const run of result.runs) {
    for (const [door, samples] of Object.entries(run.abused)) {
      assert.equal(samples.failed, 0, `${run.name}, ${door}: every fetch of the phone succeeded`);
      assert.ok(samples.ms.length >= 2, `${run.name}, ${door}: fetched while abused`);
      assert.equal(run.idle[door as keyof typeof run.idle].failed, 0);
    }
    for (const [door, crowd] of Object.entries(run.crowds)) {
      assert.ok(crowd.opened >= 200, `${run.name}, ${door}: the crowd connected`);
      assert.ok(
        crowd.refused + crowd.cut > 0,
        `${run.name}, ${door}: slow connections were closed by the server, not held at will`,
      );
    }
    assert.ok(run.tftp.answered > 0 && run.tftp.refused > 0, JSON.stringify(run.tftp));
  }
  const [many, one] = result.runs as [AbuseResult['runs'][0], AbuseResult['runs'][0]];
  const recorded = (run: typeof many, which: string): boolean =>
    run.limitsReached.some((entry) => entry.startsWith(`${which} ×`));
  for (const which of [
    'http --http-connections',
    'https --http-connections',
    'acs --http-connections',
    'ftp --ftp-sessions',
    'tftp --tftp-transfers',
  ]) {
    assert.ok(recorded(many, which), `${which} recorded: ${many.limitsReached.join(', ')}`);
  }
  for (const which of [
    'http --http-connections-per-address',
    'https --http-connections-per-address',
    'acs --http-connections-per-address',
    'ftp --ftp-sessions-per-address',
    'tftp --tftp-transfers-per-address',
  ]) {
    assert.ok(recorded(one, which), `${which} recorded: ${one.limitsReached.join(', ')}`);
  }
  for (const [door, huge] of Object.entries(result.hugeBody)) {
    assert.equal(huge.status, door === 'acs' ? 413 : 405, `${door}: the 2 GiB body refused`);
    assert.ok(huge.closed, `${door}: the connection closed`);
    // What the kernel's buffers hold on loopback and the door's bounded linger: not the 2 GiB.
    assert.ok(huge.written < 32 * 1024 * 1024, `${door}: ${huge.written} bytes taken`);
  }
});
