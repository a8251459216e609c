// The open files the doors may hold at their limits, and the warning a server gives when
// the process may not open that many: a crowd would then run it out of descriptors before
// any door's limit applied.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  DEFAULT_DOOR_LIMITS,
  descriptorsNeeded,
  openFilesLimit,
} from '../../src/config/door-limits.ts';
import { BIN, logRecords } from '../support/serve.ts';

test('the doors that are on count: each HTTP door its connections, FTP two a session, TFTP one', () => {
  const all = descriptorsNeeded(DEFAULT_DOOR_LIMITS, [
    'http',
    'https',
    'acs',
    'ftp',
    'tftp',
    'sip',
  ]);
  assert.equal(all, 3 * 2048 + 2 * 256 + 512 + 64);
  assert.equal(descriptorsNeeded(DEFAULT_DOOR_LIMITS, ['http']), 2112);
});

test('the soft limit is read from /proc/self/limits, unlimited or unknown as none', () => {
  const text = (soft: string): string =>
    `Limit                     Soft Limit           Hard Limit           Units     \n` +
    `Max processes             95452                95452                processes \n` +
    `Max open files            ${soft}                20000                files     \n`;
  assert.equal(openFilesLimit(text('1024')), 1024);
  assert.equal(openFilesLimit(text('unlimited')), undefined);
  assert.equal(openFilesLimit('nothing of the kind'), undefined);
});

test('a server whose open-files limit is below its door limits says so, with the fix', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pnd-nofile-'));
  try {
    // ulimit -n sets the hard limit too: Node cannot raise it past that.
    const child = spawn(
      'bash',
      [
        '-c',
        `ulimit -n 1024 && exec "${BIN}" serve --data-dir "${dir}" --http 127.0.0.1:0 --tftp 127.0.0.1:0 --sip off --acs off --admin off`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 60_000;
    while (!/plugndial ready/.test(output) && Date.now() < deadline && child.exitCode === null)
      await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    const warning = logRecords(output).find(
      (r) => r['msg'] === 'the open-files limit is below what the door limits allow',
    );
    assert.ok(warning, output);
    assert.equal(warning['level'], 'warn');
    assert.equal(warning['limit'], 1024);
    assert.equal(warning['needed'], 2048 + 512 + 64);
    assert.match(String(warning['fix']), /LimitNOFILE=/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
