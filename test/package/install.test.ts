import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { tftpGet } from '../../src/simulate/tftp-client.ts';
import { doorPorts } from '../support/serve.ts';

// The package as an operator installs it: `npm pack` in this checkout, `npm install -g` of the
// tarball into an empty prefix (better-sqlite3 built from source for this Node.js), and the
// installed `plugndial` serving a phone with plain node and no development dependency.
// Slow (a native build), so `npm test` leaves it out; `npm run test:package` and CI run it.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// The Node.js running this test runs the package too: `node` first on the PATH.
const PATH = `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`;
const MAC = '0021f2000001';

function must(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const done = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: 20 * 60_000,
    env: { ...process.env, PATH },
  });
  assert.equal(done.status, 0, `${command} ${args.join(' ')}\n${done.stdout}\n${done.stderr}`);
  return done;
}

test('npm pack gives a tarball that installs globally and serves without devDependencies', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plugndial-package-'));
  try {
    must('npm', ['pack', '--pack-destination', dir, '--silent'], ROOT);
    const tarball = readdirSync(dir).find((name) => /^plugndial-.*\.tgz$/.test(name));
    assert.ok(tarball, 'npm pack wrote plugndial-<version>.tgz');
    const listed = must('tar', ['tzf', join(dir, tarball)], dir).stdout.split('\n');
    for (const file of [
      'package/dist/main.js',
      'package/bin/plugndial',
      'package/contrib/plugndial.service',
      'package/docs/configuration.md',
    ])
      assert.ok(listed.includes(file), file);
    for (const prefix of [
      'package/src/',
      'package/test/',
      'package/bench/',
      'package/bin/plugndial-dev',
    ])
      assert.ok(!listed.some((name) => name.startsWith(prefix)), prefix);

    const prefix = join(dir, 'prefix');
    const installed = must(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--allow-scripts=better-sqlite3',
        '--no-audit',
        '--no-fund',
        join(dir, tarball),
      ],
      dir,
    );
    assert.doesNotMatch(`${installed.stdout}${installed.stderr}`, /EBADENGINE/);
    const home = join(prefix, 'lib', 'node_modules', 'plugndial');
    for (const dev of ['typescript', 'tsx', 'eslint', 'prettier', '@types'])
      assert.ok(!existsSync(join(home, 'node_modules', dev)), `${dev} is not installed`);
    assert.ok(
      existsSync(
        join(home, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
      ),
      'the native store was built',
    );

    const bin = join(prefix, 'bin', 'plugndial');
    const data = join(dir, 'data');
    const child = spawn(
      bin,
      [
        'serve',
        '--data-dir',
        data,
        '--http',
        '127.0.0.1:0',
        '--tftp',
        '127.0.0.1:0',
        '--sip',
        'off',
        '--acs',
        'off',
        '--admin',
        '127.0.0.1:0',
      ],
      { env: { ...process.env, PATH }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(child, 'exit') as Promise<[number | null]>;
    try {
      for (let i = 0; i < 600 && !output.includes('plugndial ready'); i++) {
        assert.equal(child.exitCode, null, output);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(output.includes('plugndial ready'), output);
      // Plain node on the compiled build, nothing of tsx.
      const command = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
      assert.ok(
        command.some((arg) => arg.endsWith(join('plugndial', 'dist', 'main.js'))),
        command.join(' '),
      );
      assert.ok(!command.some((arg) => arg.includes('tsx')), command.join(' '));

      const ports = doorPorts(output);
      const add = spawnSync(
        bin,
        ['device', 'add', MAC, '--vendor', 'flyingvoice', '--data-dir', data],
        {
          encoding: 'utf8',
          env: { ...process.env, PATH },
          timeout: 60_000,
        },
      );
      assert.equal(add.status, 0, add.stderr);
      const file = await fetch(`http://127.0.0.1:${ports['http']}/${MAC}.cfg`);
      assert.equal(file.status, 200);
      assert.match(await file.text(), /^#!version:1\.0\.0\.1/);
      const boot = await tftpGet({ host: '127.0.0.1', port: ports['tftp']!, path: `${MAC}.boot` });
      assert.ok(boot.length > 0);
      // The console's files come from the package too, wherever the build put the code serving them.
      const page = await fetch(`http://127.0.0.1:${ports['admin']}/console/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      assert.match(await page.text(), /<html/i);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await exited;
    assert.equal(code, 0, output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
