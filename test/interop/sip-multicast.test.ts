import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test, type TestContext } from 'node:test';

import { tempDir } from '../support/harness.ts';
import { requirePeer } from '../support/peer.ts';
import { BIN, logRecords } from '../support/serve.ts';

// Real multicast, kept off the machine's own interfaces: two network namespaces made here,
// joined by a veth pair with 10.77.0.0/24 inside them only. The server runs in one with the
// SIP door on 0.0.0.0:5060 joining 224.0.1.75 on its veth; the phone in the other sends its
// SUBSCRIBE to the group. Everything is removed in after().
const SERVER_NS = `pnd-sip-${process.pid}-s`;
const PHONE_NS = `pnd-sip-${process.pid}-p`;
const VETH_S = `psa${process.pid}`.slice(0, 15);
const VETH_P = `psb${process.pid}`.slice(0, 15);
const SERVER_IP = '10.77.0.1';
const PHONE_IP = '10.77.0.2';
const MAC = '0021f2000001';
const SCENARIOS = fileURLToPath(new URL('./sipp/', import.meta.url));

let dir: string;
let server: ChildProcess | undefined;
let unavailable: string | undefined;

function ip(...args: string[]): { ok: boolean; err: string } {
  const result = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  return { ok: result.status === 0, err: (result.stderr ?? '').trim() };
}

function inNamespace(
  ns: string,
  command: string[],
  timeoutMs = 30_000,
): ReturnType<typeof spawnSync> {
  return spawnSync('ip', ['netns', 'exec', ns, ...command], {
    encoding: 'utf8',
    timeout: timeoutMs,
    cwd: dir,
  });
}

/**
 * Without namespaces there is nothing to run here; on a CI runner that is a broken runner, not
 * a reason to pass: it fails there, and is skipped elsewhere.
 */
function skipOrFail(t: TestContext, why: string): void {
  if (process.env['CI']) assert.fail(`CI must be able to create network namespaces: ${why}`);
  t.skip(why);
}

before(async () => {
  dir = tempDir();
  if (process.getuid?.() !== 0) {
    unavailable = 'network namespaces need root';
    return;
  }
  const made = ip('netns', 'add', SERVER_NS);
  if (!made.ok) {
    unavailable = `cannot create a network namespace here: ${made.err}`;
    return;
  }
  const steps: string[][] = [
    ['netns', 'add', PHONE_NS],
    ['link', 'add', VETH_S, 'type', 'veth', 'peer', 'name', VETH_P],
    ['link', 'set', VETH_S, 'netns', SERVER_NS],
    ['link', 'set', VETH_P, 'netns', PHONE_NS],
    ['-n', SERVER_NS, 'addr', 'add', `${SERVER_IP}/24`, 'dev', VETH_S],
    ['-n', PHONE_NS, 'addr', 'add', `${PHONE_IP}/24`, 'dev', VETH_P],
    ['-n', SERVER_NS, 'link', 'set', 'lo', 'up'],
    ['-n', PHONE_NS, 'link', 'set', 'lo', 'up'],
    ['-n', SERVER_NS, 'link', 'set', VETH_S, 'up'],
    ['-n', PHONE_NS, 'link', 'set', VETH_P, 'up'],
    // The phone's namespace has no default route: multicast leaves by the veth.
    ['-n', PHONE_NS, 'route', 'add', '224.0.0.0/4', 'dev', VETH_P],
  ];
  for (const step of steps) {
    const done = ip(...step);
    assert.ok(done.ok, `ip ${step.join(' ')}: ${done.err}`);
  }
  server = spawn(
    'ip',
    [
      'netns',
      'exec',
      SERVER_NS,
      BIN,
      'serve',
      '--admin',
      'off',
      '--data-dir',
      dir,
      '--http',
      '8080',
      '--tftp',
      'off',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve not ready:\n${output}`)), 90_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('plugndial ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    server!.stdout!.on('data', onData);
    server!.stderr!.on('data', onData);
    server!.once('exit', (code) => reject(new Error(`serve exited ${code}:\n${output}`)));
  });
  // The log is JSON lines off a terminal: the join names the group and the interface.
  const joined = logRecords(output).find((r) => r['msg'] === 'plug-and-play group joined');
  assert.equal(joined?.['group'], '224.0.1.75', output);
  assert.equal(joined?.['interfaces'], SERVER_IP, output);
  const added = inNamespace(SERVER_NS, [
    BIN,
    'device',
    'add',
    MAC,
    '--vendor',
    'flyingvoice',
    '--set',
    'accounts.1.user=1001',
    '--data-dir',
    dir,
  ]);
  assert.equal(added.status, 0, String(added.stderr));
});

after(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    const kill = setTimeout(() => server!.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(kill);
  }
  // Deleting a namespace deletes the veth end inside it, and with it the pair.
  ip('netns', 'del', PHONE_NS);
  ip('netns', 'del', SERVER_NS);
  rmSync(dir, { recursive: true, force: true });
});

test('sipp in its own namespace finds the server by a multicast SUBSCRIBE to 224.0.1.75', (t) => {
  if (unavailable) return skipOrFail(t, unavailable);
  if (!requirePeer(t, 'sipp', 'sip-tester')) return;
  const log = join(dir, 'sipp-multicast.log');
  const result = inNamespace(PHONE_NS, [
    'sipp',
    '-sf',
    join(SCENARIOS, 'pnp-subscribe.xml'),
    '-m',
    '1',
    '-i',
    PHONE_IP,
    '-p',
    '5062',
    '-key',
    'user',
    `MAC${MAC}`,
    '-key',
    'vendor',
    'Flyingvoice',
    '-key',
    'model',
    'FIP14G',
    '-key',
    'version',
    'V0.5.15',
    '-trace_logs',
    '-log_file',
    log,
    '-timeout',
    '10s',
    '-timeout_error',
    '-nostdin',
    '224.0.1.75:5060',
  ]);
  assert.equal(result.status, 0, String(result.stdout).slice(-1500));
  assert.match(
    readFileSync(log, 'utf8'),
    new RegExp(`^URL http://${SERVER_IP}:8080/${MAC}\\.boot$`, 'm'),
  );
});

test('simulate --via pnp in the phone namespace: multicast discovery, then HTTP', (t) => {
  if (unavailable) return skipOrFail(t, unavailable);
  const result = inNamespace(PHONE_NS, [
    BIN,
    'simulate',
    MAC,
    '--vendor',
    'flyingvoice',
    '--via',
    'pnp',
    '--json',
  ]);
  assert.equal(result.status, 0, String(result.stderr));
  assert.match(
    String(result.stderr),
    new RegExp(
      `^pnp http://${SERVER_IP}:8080/${MAC}\\.boot \\(NOTIFY from ${SERVER_IP}:5060\\)$`,
      'm',
    ),
  );
  const run = JSON.parse(String(result.stdout));
  assert.equal(run.ok, true);
  assert.equal(run.settings['account.1.user_name'], '1001');
});
