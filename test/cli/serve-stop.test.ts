import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';

import { cli } from '../support/cli.ts';
import { tempDir } from '../support/harness.ts';
import { logRecords, serve, httpOnly } from '../support/serve.ts';

// A service manager may stop the server the moment it says it is ready (a restart that
// follows a start, a boot that is cancelled). SIGTERM then is a clean stop like any other:
// the buffered events written, the store closed, exit 0 — not Node.js's default of dying by
// the signal, as a process does while it has no SIGTERM listener yet.

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('SIGTERM at the moment serve says it is ready stops it cleanly, exit 0', async () => {
  const dataDir = tempDir('pnd-stop-');
  dirs.push(dataDir);
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const server = await serve(httpOnly(dataDir));
    // serve() resolves on the chunk that holds "plugndial ready": no later than that.
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      server.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    server.child.kill('SIGTERM');
    const { code, signal } = await exited;
    assert.deepEqual(
      { code, signal },
      { code: 0, signal: null },
      `attempt ${attempt}:\n${server.log()}`,
    );
    assert.ok(
      logRecords(server.log()).some((r) => r['msg'] === 'stopped'),
      `attempt ${attempt}: it says it stopped`,
    );
  }
});

test('with the HTTP door off, management commands find the API on the admin listener', async () => {
  const dir = tempDir();
  dirs.push(dir);
  const server = await serve([
    '--data-dir',
    dir,
    '--http',
    'off',
    '--tftp',
    '127.0.0.1:0',
    '--sip',
    'off',
    '--admin',
    '127.0.0.1:0',
  ]);
  try {
    const added = await cli(
      'device',
      'add',
      '0021f2000077',
      '--vendor',
      'flyingvoice',
      '--data-dir',
      dir,
    );
    assert.equal(added.code, 0, added.err);
    const listed = await cli('device', 'list', '--json', '--data-dir', dir);
    assert.equal(listed.code, 0, listed.err);
    assert.match(listed.out, /0021f2000077/);
  } finally {
    assert.equal(await server.stop(), 0, server.log());
  }
});
