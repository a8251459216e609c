import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { tempDir } from '../support/harness.ts';
import { requirePeer } from '../support/peer.ts';
import { BIN, doorPorts, httpOnly } from '../support/serve.ts';

// An acknowledged change must survive a power loss, not only a crash: its commit must be in
// SQLite's write-ahead log on disk (fsync) before the API answers. strace watches the real
// server's fsync calls, and which thread makes them: not the one that serves the phones.

let dir: string | undefined;
let child: ChildProcess | undefined;

after(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    // The server itself first: strace, told to stop, would leave it running.
    try {
      const { pid } = JSON.parse(readFileSync(join(dir!, 'server.json'), 'utf8')) as {
        pid: number;
      };
      process.kill(pid, 'SIGTERM');
    } catch {
      child.kill('SIGTERM');
    }
    const timer = setTimeout(() => child!.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** fsync/fdatasync calls on the embedded store's WAL in strace's output: when, and by which thread. */
function walSyncs(trace: string): { at: number; thread: number }[] {
  const syncs: { at: number; thread: number }[] = [];
  for (const match of trace.matchAll(
    /^(?:\[pid +(\d+)\] )?(\d{9,}\.\d{6}) (?:fsync|fdatasync)\(\d+<[^>\n]*\/plugndial\.db-wal>\) = 0/gm,
  )) {
    syncs.push({ at: Number(match[2]), thread: Number(match[1] ?? 0) });
  }
  return syncs;
}

test('a change the API acknowledged is on disk: its WAL was synced before the answer', async (t) => {
  if (!requirePeer(t, 'strace', 'strace')) return;
  dir = tempDir();
  child = spawn(
    'strace',
    [
      '-f',
      '-y',
      '-ttt',
      '-e',
      'trace=fsync,fdatasync',
      BIN,
      'serve',
      '--admin',
      'off',
      ...httpOnly(dir),
      '--acs',
      'off',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const ready = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready:\n${output}`)), 120_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const port = doorPorts(output)['http'];
      if (port && output.includes('plugndial ready')) {
        clearTimeout(timer);
        resolve(Number(port));
      }
    };
    child!.stdout!.on('data', onData);
    child!.stderr!.on('data', onData);
    child!.once('exit', (code) => reject(new Error(`exited ${code}:\n${output}`)));
  });
  const port = await ready;
  const token = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
  const { pid: mainThread } = JSON.parse(readFileSync(join(dir, 'server.json'), 'utf8')) as {
    pid: number;
  };
  for (let i = 0; i < 3; i += 1) {
    const sent = Date.now() / 1000;
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/devices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        mac: `0021f20001${String(i).padStart(2, '0')}`,
        vendor: 'flyingvoice',
      }),
    });
    const answered = Date.now() / 1000;
    assert.equal(response.status, 201, await response.text());
    // strace prints each call (unbuffered, on stderr) before the server goes on, so the
    // sync of this change is in the pipe before the answer; reading it may lag a little.
    const inWindow = (): { at: number; thread: number }[] =>
      walSyncs(output).filter(({ at }) => at >= sent - 0.01 && at <= answered + 0.01);
    const synced = (): boolean => inWindow().length > 0;
    for (let waited = 0; waited < 2000 && !synced(); waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(
      synced(),
      `change ${i} (${sent}–${answered}): no WAL sync between the request and its answer:\n${output
        .split('\n')
        .filter((l) => /fsync|fdatasync/.test(l))
        .slice(-8)
        .join('\n')}`,
    );
    // The disk's wait is a worker thread's: the event loop went on serving meanwhile.
    assert.ok(
      inWindow().every(({ thread }) => thread !== mainThread),
      `change ${i}: the WAL was synced on the main thread (${mainThread}): ${JSON.stringify(inWindow())}`,
    );
  }
});
