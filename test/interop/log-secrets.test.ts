import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { tftpGet } from '../../src/simulate/tftp-client.ts';
import { cli } from '../support/cli.ts';
import { tempDir } from '../support/harness.ts';
import { requirePeer } from '../support/peer.ts';
import { logRecords, run, serve, type ServeProcess } from '../support/serve.ts';

// Every door of a real server at --log-level debug, walked with every kind of secret an
// operator sets or a phone presents: SIP and provisioning passwords, generated device
// credentials, an encryption key, the admin token, wrong guesses, URL userinfo, the
// credentials the ACS gives a CPE. Then the whole log is searched for each of them.

const PER_DEVICE = '0021f20000e1';
const SHARED = '0021f20000e2';
const ENCRYPTED = '001565000003';
const FANVIL = '0c383e07e1aa';
const SECRETS = {
  sip: 'sip-secret-in-log-test',
  shared: 'shared-secret-in-log-test',
  key: 'yk-secret-16char',
  fanvil: 'fanvil-sip-secret-in-log-test',
  wrong: 'wrong-guess-in-log-test',
};

let dir: string;
let server: ServeProcess;
let d: string[];
let perDevicePassword = '';

async function ok(...args: string[]): Promise<string> {
  const result = await cli(...args, ...d);
  assert.equal(result.code, 0, `${args.join(' ')}\n${result.err}`);
  return result.out;
}

function curl(url: string, ...extra: string[]): number {
  const result = spawnSync(
    'curl',
    ['-s', '--max-time', '10', '-o', '/dev/null', '-w', '%{http_code}', ...extra, url],
    { encoding: 'utf8', timeout: 20_000 },
  );
  return Number(result.stdout);
}

before(async () => {
  dir = tempDir();
  d = ['--data-dir', dir];
  const passive = 41_000 + Math.floor(Math.random() * 900) * 10;
  server = await serve([
    ...d,
    '--log-level',
    'debug',
    '--http',
    '127.0.0.1:0',
    '--https',
    '127.0.0.1:0',
    '--ftp',
    '127.0.0.1:0',
    '--ftp-passive-ports',
    `${passive}-${passive + 9}`,
    '--tftp',
    '127.0.0.1:0',
    '--sip',
    '127.0.0.1:0',
    '--sip-interface',
    'none',
    '--acs',
    '127.0.0.1:0',
  ]);
  await ok('profile', 'set', 'default', '--set', 'provisioning.access=device-credentials');
  await ok(
    'device',
    'add',
    PER_DEVICE,
    '--vendor',
    'flyingvoice',
    '--set',
    'accounts.1.user=1001',
    '--set',
    `accounts.1.password=${SECRETS.sip}`,
    '--set',
    'accounts.1.registrar=pbx.example.com',
  );
  perDevicePassword = (
    JSON.parse(await ok('device', 'credentials', PER_DEVICE, '--secrets', '--json')) as {
      password: string;
    }
  ).password;
  await ok(
    'profile',
    'add',
    'shared',
    '--set',
    'provisioning.access=shared-credentials',
    '--set',
    'provisioning.username=prov',
    '--set',
    `provisioning.password=${SECRETS.shared}`,
  );
  await ok('device', 'add', SHARED, '--vendor', 'flyingvoice', '--profile', 'shared');
  await ok(
    'device',
    'add',
    ENCRYPTED,
    '--vendor',
    'yealink',
    '--set',
    'provisioning.access=open',
    '--set',
    'security.config_encryption=true',
    '--set',
    `security.config_key=${SECRETS.key}`,
  );
  await ok(
    'device',
    'add',
    FANVIL,
    '--vendor',
    'fanvil',
    '--model',
    'X4',
    '--set',
    'provisioning.access=open',
    '--set',
    'accounts.1.user=2001',
    '--set',
    `accounts.1.password=${SECRETS.fanvil}`,
  );
});

after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a full run of every door at debug level leaves no secret in the log or the events', async (t) => {
  if (!requirePeer(t, 'curl', 'curl')) return;
  const http = `127.0.0.1:${server.ports['http']}`;
  const https = `127.0.0.1:${server.ports['https']}`;
  const ftp = `127.0.0.1:${server.ports['ftp']}`;
  // Credentials in the URL's userinfo, as DHCP option 66 or a redirect service hands them out.
  const userinfo = `${PER_DEVICE}:${perDevicePassword}`;
  assert.equal(curl(`http://${userinfo}@${http}/${PER_DEVICE}.cfg`, '--digest'), 200);
  assert.equal(curl(`https://${userinfo}@${https}/${PER_DEVICE}.cfg`, '-k', '--basic'), 200);
  assert.equal(
    curl(`http://${http}/${PER_DEVICE}.cfg`, '--digest', '-u', `${PER_DEVICE}:${SECRETS.wrong}`),
    401,
  );
  assert.equal(curl(`http://prov:${SECRETS.shared}@${http}/${SHARED}.cfg`, '--digest'), 200);
  assert.equal(curl(`http://${http}/${ENCRYPTED}.cfg`), 200);
  assert.equal(curl(`ftp://${userinfo}@${ftp}/${PER_DEVICE}.cfg`), 226);
  const boot = await tftpGet(
    { host: '127.0.0.1', port: server.ports['tftp']!, path: `${ENCRYPTED}.boot` },
    { timeoutMs: 2000, retries: 3 },
  );
  assert.ok(boot.length > 0);
  // Plug and play over unicast SIP, then the phone's own fetches.
  await cli(
    'simulate',
    SHARED,
    '--vendor',
    'flyingvoice',
    '--via',
    'pnp',
    '--sip',
    `127.0.0.1:${server.ports['sip']}`,
    ...d,
  );
  // TR-069: the ACS sets connection request credentials on the CPE, which keeps them.
  const state = join(dir, 'cpe.json');
  const acs = `http://127.0.0.1:${server.ports['acs']}/`;
  const cpe = await cli(
    'simulate',
    FANVIL,
    '--vendor',
    'fanvil',
    '--model',
    'X4',
    '--via',
    'tr069',
    '--acs',
    acs,
    '--state',
    state,
    ...d,
  );
  assert.equal(cpe.code, 0, cpe.err + cpe.out);
  const memory = JSON.parse(readFileSync(state, 'utf8')) as Record<string, string>;
  const given = Object.entries(memory).find(([name]) =>
    name.endsWith('ConnectionRequestPassword'),
  )?.[1];
  assert.ok(given, 'the ACS gave the CPE connection request credentials');

  const events = await ok('events', '--limit', '1000', '--json');
  const token = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
  assert.equal(await server.stop(), 0, server.log());
  const log = server.log();

  // The log covers what was done: a debug line per request at every door.
  const doors = new Set(
    logRecords(log)
      .filter((r) => r['msg'] === 'request' && r['level'] === 'debug')
      .map((r) => r['door']),
  );
  assert.deepEqual([...doors].sort(), ['acs', 'ftp', 'http', 'https', 'sip', 'tftp']);
  const line = logRecords(log).find((r) => r['msg'] === 'request' && r['door'] === 'ftp')!;
  assert.deepEqual(Object.keys(line).sort(), [
    'address',
    'bytes',
    'door',
    'file',
    'level',
    'mac',
    'ms',
    'msg',
    'status',
    'time',
  ]);

  const secrets: [string, string][] = [
    ['SIP password', SECRETS.sip],
    ['provisioning password', SECRETS.shared],
    ['encryption key', SECRETS.key],
    ['Fanvil SIP password', SECRETS.fanvil],
    ['wrong guess', SECRETS.wrong],
    ['device credentials', perDevicePassword],
    ['admin token', token],
    ['connection request password', given],
  ];
  const forms = (user: string, secret: string): string[] => [
    secret,
    encodeURIComponent(secret),
    Buffer.from(`${user}:${secret}`).toString('base64'),
  ];
  for (const [what, secret] of secrets) {
    for (const form of [...forms(PER_DEVICE, secret), ...forms('prov', secret)]) {
      assert.ok(!log.includes(form), `${what} in the log`);
      assert.ok(!events.includes(form), `${what} in the events`);
    }
  }
});

test('a database URL with a password is never echoed when the database cannot be reached', () => {
  const other = tempDir();
  try {
    const secret = 'pg-secret-in-log-test';
    const started = run(
      [
        'serve',
        '--data-dir',
        other,
        '--database',
        `postgres://prov:${secret}@127.0.0.1:9/plugndial`,
        '--http',
        '127.0.0.1:0',
        '--tftp',
        'off',
        '--sip',
        'off',
        '--acs',
        'off',
      ],
      60_000,
    );
    assert.notEqual(started.code, 0);
    assert.ok(started.err.length > 0);
    assert.ok(!`${started.out}${started.err}`.includes(secret), started.err);
    assert.ok(!existsSync(join(other, 'plugndial.db')));
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});
