import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

import { cli } from '../support/cli.ts';
import { tempDir } from '../support/harness.ts';
import { requirePeer } from '../support/peer.ts';
import { serve, type ServeProcess } from '../support/serve.ts';

// A real server process on loopback; curl, tftp-hpa and openssl fetch and read its files as
// Grandstream and Cisco phones would, sipp plays their SIP side (plug-and-play SUBSCRIBE,
// challenged resync NOTIFYs), and `plugndial simulate` plays each phone end to end.
const SCENARIOS = fileURLToPath(new URL('./sipp/', import.meta.url));
const GS = '000b82123456';
const GS_SEALED = '000b82000002';
const MPP = '00562b043615';
const SPA = '002699aabbcc';
const KEY = 'SecretPhrase1234';
const PASSWORD = 's3cret';
const GS_AGENT = `Grandstream Model HW GXP2130 SW 1.0.9.135 DevId ${GS}`;
const MPP_AGENT = `Cisco-CP-8841-3PCC/11.3.1 (${MPP})`;

let dir: string;
let server: ServeProcess;
let http: string;
let tftpPort: number;
let d: string[];

interface Run {
  ok: boolean;
  steps: { url: string; status: number; applied: boolean; note?: string }[];
  settings: Record<string, string>;
}

async function ok(...args: string[]): Promise<string> {
  const result = await cli(...args, ...d);
  assert.equal(result.code, 0, `${args.join(' ')}\n${result.err}`);
  return result.out;
}

async function simulate(...args: string[]): Promise<Run> {
  const result = await cli('simulate', ...args, '--json');
  assert.ok(result.out, result.err);
  return JSON.parse(result.out) as Run;
}

before(async () => {
  dir = tempDir();
  d = ['--data-dir', dir];
  server = await serve([
    '--data-dir',
    dir,
    '--http',
    '127.0.0.1:0',
    '--tftp',
    '127.0.0.1:0',
    '--sip',
    '127.0.0.1:0',
    '--sip-interface',
    'none',
  ]);
  http = `http://127.0.0.1:${server.ports['http']}`;
  tftpPort = server.ports['tftp']!;
  const account = (user: string): string[] => [
    '--set',
    `accounts.1.user=${user}`,
    '--set',
    `accounts.1.password=${PASSWORD}`,
    '--set',
    'accounts.1.registrar=pbx.example.com',
  ];
  await ok('profile', 'add', 'default', '--set', 'time.timezone=Europe/Berlin');
  await ok('device', 'add', GS, '--vendor', 'grandstream', '--model', 'GXP2130', ...account('201'));
  await ok(
    'device',
    'add',
    GS_SEALED,
    '--vendor',
    'grandstream',
    ...account('202'),
    '--set',
    'security.config_encryption=true',
    '--set',
    `security.config_key=${KEY}`,
  );
  await ok('device', 'add', MPP, '--vendor', 'cisco', '--model', 'CP-8841-3PCC', ...account('301'));
  await ok('device', 'add', SPA, '--vendor', 'cisco-spa', '--model', 'SPA504G', ...account('401'));
});

after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function curl(
  path: string,
  headers: string[] = [],
): { status: number; headers: string; body: Buffer } {
  const out = join(dir, 'curl.body');
  rmSync(out, { force: true });
  const result = spawnSync(
    'curl',
    ['-s', '-D', '-', '-o', out, ...headers.flatMap((h) => ['-H', h]), `${http}${path}`],
    { encoding: 'utf8', timeout: 20_000 },
  );
  const status = Number(/^HTTP\/1\.1 (\d{3})/m.exec(result.stdout)?.[1] ?? 0);
  let body = Buffer.alloc(0);
  try {
    body = readFileSync(out);
  } catch {
    // no body (304, HEAD)
  }
  return { status, headers: result.stdout, body };
}

function tftpGet(name: string): { code: number | null; body: Buffer; err: string } {
  const local = join(dir, `tftp-${name.replace(/[^\w.]/g, '_')}`);
  rmSync(local, { force: true });
  const result = spawnSync(
    'tftp',
    ['127.0.0.1', String(tftpPort), '-m', 'binary', '-c', 'get', name, local],
    { encoding: 'utf8', timeout: 20_000 },
  );
  let body = Buffer.alloc(0);
  try {
    body = readFileSync(local);
  } catch {
    // the transfer failed
  }
  return { code: result.status, body, err: `${result.stdout}${result.stderr}` };
}

test('curl as the phones: each family its files over HTTP, with an ETag that answers 304 when unchanged', (t) => {
  if (!requirePeer(t, 'curl', 'curl')) return;
  const own = curl(`/cfg${GS}.xml`, [`User-Agent: ${GS_AGENT}`]);
  assert.equal(own.status, 200);
  assert.match(own.headers, /^content-type: text\/xml; charset=utf-8\r$/im);
  const text = own.body.toString();
  assert.match(text, new RegExp(`<mac>${GS}</mac>`));
  assert.match(text, /<item name="account\.1\.sip\.subscriber\.password">s3cret<\/item>/);
  assert.match(
    text,
    /<item name="dateTime\.timezone\.custom">CET-1CEST,M3\.5\.0,M10\.5\.0\/3<\/item>/,
  );
  const etag = /^etag: (\S+)\r$/im.exec(own.headers)?.[1];
  assert.ok(etag, own.headers);
  assert.equal(curl(`/cfg${GS}.xml`, [`If-None-Match: ${etag}`]).status, 304);
  // Under a prefix, in the case the phone writes, and the fallbacks of a phone unknown here.
  assert.equal(curl(`/prov/CFG${GS.toUpperCase()}.XML`).status, 200);
  assert.equal(curl('/cfggxp2130.xml').status, 200);
  assert.equal(curl('/cfg.xml').status, 200);
  assert.equal(curl('/cfg000b82ffffff.xml').status, 404);
  // The binary file only when asked for.
  assert.equal(curl(`/cfg${GS}`).status, 404);

  const boot = curl('/8841-3PCC.xml', [`User-Agent: ${MPP_AGENT}`]);
  assert.equal(boot.status, 200);
  assert.match(
    boot.body.toString(),
    /<Profile_Rule_B ua="na">http:\/\/127\.0\.0\.1:\d+\/\$MA\.xml</,
  );
  const profile = curl(`/${MPP}.xml`, [`User-Agent: ${MPP_AGENT}`]);
  assert.match(profile.body.toString(), /<User_ID_1_>301<\/User_ID_1_>/);
  assert.match(
    profile.body.toString(),
    /<Daylight_Saving_Time_Rule>start=3\/-1\/7\/2;end=10\/-1\/7\/3;save=1</,
  );
  assert.equal(curl('/spa504G.cfg').status, 200);
  assert.equal(curl(`/${MPP.toUpperCase()}.xml`).status, 200);
  assert.equal(curl('/00562b999999.xml').status, 404);
});

test('tftp-hpa as the phones: bootstrap, profile and cfg<mac>.xml over TFTP, and the binary file', async (t) => {
  if (!requirePeer(t, 'tftp', 'tftp-hpa')) return;
  const boot = tftpGet('spa504G.cfg');
  assert.equal(boot.code, 0, boot.err);
  assert.match(
    boot.body.toString(),
    new RegExp(`<Profile_Rule ua="na">tftp://127\\.0\\.0\\.1:${tftpPort}/spa\\$PSN\\.cfg<`),
  );
  const profile = tftpGet(`${SPA}.xml`);
  assert.match(profile.body.toString(), /<Admin_Passwd|<User_ID_1_>401</);
  const own = tftpGet(`cfg${GS}.xml`);
  assert.match(own.body.toString(), /<item name="provisioning\.config\.protocol">TFTP<\/item>/);
  assert.notEqual(
    tftpGet('cfg000b82ffffff.xml').code === 0 && tftpGet('cfg000b82ffffff.xml').body.length > 0,
    true,
  );

  await ok('device', 'set', GS, '--set', 'provisioning.config_format=binary');
  try {
    const binary = tftpGet(`cfg${GS}`);
    assert.equal(binary.code, 0, binary.err);
    assert.equal(binary.body.readUInt32BE(0) * 2, binary.body.length);
    assert.equal(binary.body.subarray(6, 12).toString('hex'), GS);
    let sum = 0;
    for (let i = 0; i < binary.body.length; i += 2)
      sum = (sum + binary.body.readUInt16BE(i)) & 0xffff;
    assert.equal(sum, 0);
    assert.match(binary.body.toString('latin1'), /P35=201&.*gnkey=0b82/);
  } finally {
    await ok('device', 'set', GS, '--unset', 'provisioning.config_format');
  }
});

test('openssl reads the encrypted Grandstream file as `openssl enc -d -aes-256-cbc -k` does', (t) => {
  if (!requirePeer(t, 'curl', 'curl') || !requirePeer(t, 'openssl', 'openssl')) return;
  const sealed = curl(`/cfg${GS_SEALED}.xml`);
  assert.equal(sealed.status, 200);
  assert.equal(sealed.body.subarray(0, 8).toString('latin1'), 'Salted__');
  const opened = spawnSync('openssl', ['enc', '-d', '-aes-256-cbc', '-md', 'md5', '-k', KEY], {
    input: sealed.body,
    timeout: 20_000,
  });
  assert.equal(opened.status, 0, opened.stderr.toString());
  assert.match(opened.stdout.toString(), /<item name="account\.1\.sip\.userid">202<\/item>/);
});

test('simulate: each family provisions over HTTP and over TFTP; a second boot applies nothing', async () => {
  const tftp = `tftp://127.0.0.1:${tftpPort}/`;
  for (const base of [`${http}/`, tftp]) {
    const state = join(dir, `gs-${base.slice(0, 4)}.json`);
    const gs = await simulate(
      GS,
      '--vendor',
      'grandstream',
      '--model',
      'GXP2130',
      '--url',
      base,
      '--state',
      state,
    );
    assert.equal(gs.ok, true, JSON.stringify(gs.steps));
    assert.deepEqual(
      gs.steps.map((s) => [new URL(s.url).pathname, s.status, s.applied]),
      [
        [`/cfg${GS}`, 404, false],
        [`/cfg${GS}.xml`, 200, true],
      ],
    );
    assert.equal(gs.settings['account.1.sip.userid'], '201');
    const again = await simulate(GS, '--vendor', 'grandstream', '--url', base, '--state', state);
    assert.deepEqual(
      again.steps.map((s) => s.applied),
      [false, false],
    );

    for (const [mac, vendor, model, user, first] of [
      [MPP, 'cisco', 'CP-8841-3PCC', '301', '8841-3PCC.xml'],
      [SPA, 'cisco-spa', 'SPA504G', '401', 'spa504G.cfg'],
    ] as const) {
      const cstate = join(dir, `${vendor}-${base.slice(0, 4)}.json`);
      const run = await simulate(
        mac,
        '--vendor',
        vendor,
        '--model',
        model,
        '--url',
        base,
        '--state',
        cstate,
      );
      assert.equal(run.ok, true, JSON.stringify(run.steps));
      assert.deepEqual(
        run.steps.map((s) => [new URL(s.url).pathname, s.status, s.applied]),
        [
          [`/${first}`, 200, true],
          [`/${mac}.xml`, 200, true],
        ],
      );
      assert.equal(run.settings['User_ID_1_'], user);
      assert.equal(run.settings['Password_1_'], PASSWORD);
      // The next resync: the profile alone, as the profile's own rule says, and unchanged.
      const next = await simulate(
        mac,
        '--vendor',
        vendor,
        '--model',
        model,
        '--url',
        base,
        '--state',
        cstate,
      );
      assert.deepEqual(
        next.steps.map((s) => [new URL(s.url).pathname, s.applied]),
        [[`/${mac}.xml`, false]],
      );
    }
  }
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** Runs sipp to the end (at most 20 s); what its <log> actions wrote comes back too. */
function sipp(
  scenario: string,
  port: number,
  keys: Record<string, string>,
  remote?: string,
): Promise<{ code: number | null; log: string; output: string }> {
  const logFile = join(dir, `sipp-${scenario}-${port}.log`);
  const args = [
    '-sf',
    join(SCENARIOS, `${scenario}.xml`),
    '-m',
    '1',
    '-i',
    '127.0.0.1',
    '-p',
    String(port),
    ...Object.entries(keys).flatMap(([k, v]) => ['-key', k, v]),
    '-trace_logs',
    '-log_file',
    logFile,
    '-timeout',
    '15s',
    '-timeout_error',
    '-nostdin',
    ...(remote ? [remote] : []),
  ];
  return new Promise((resolve) => {
    const child = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(kill);
      let log = '';
      try {
        log = readFileSync(logFile, 'utf8');
      } catch {
        // sipp wrote no log: the scenario never got that far
      }
      resolve({ code, log, output: output.slice(-2000) });
    });
  });
}

function hasSipp(t: TestContext): boolean {
  return requirePeer(t, 'sipp', 'sip-tester');
}

test('sipp as a Grandstream phone: its plug-and-play SUBSCRIBE gets the config server directory', async (t) => {
  if (!hasSipp(t)) return;
  const ask = async (mac: string): Promise<string> => {
    const result = await sipp(
      'pnp-subscribe-vendor',
      await freePort(),
      {
        user: `MAC%3a${mac}`,
        vendor: 'Grandstream',
        model: 'GXP2130',
        version: '1.0.9.135',
        agent: `Grandstream GXP2130 1.0.9.135`,
      },
      `127.0.0.1:${server.ports['sip']}`,
    );
    assert.equal(result.code, 0, result.output);
    const url = /^URL (\S+)$/m.exec(result.log)?.[1];
    assert.ok(url, result.log);
    return url;
  };
  // A device, and a phone of Grandstream's block that is not one yet.
  assert.deepEqual(await Promise.all([ask(GS), ask('c074ad000001')]), [`${http}/`, `${http}/`]);
  const pending = JSON.parse(await ok('device', 'pending', '--json')) as {
    mac: string;
    vendor?: string;
  }[];
  assert.equal(pending.find((p) => p.mac === 'c074ad000001')?.vendor, 'grandstream');
});

test('sipp as the phones: Grandstream check-sync and Cisco resync, each challenged and answered with digest', async (t) => {
  if (!hasSipp(t)) return;
  for (const [mac, user, scenario, events] of [
    [GS, '201', 'check-sync-401', ['check-sync', 'check-sync;reboot=true']],
    [MPP, '301', 'resync-401', ['resync', 'reboot_now']],
    [SPA, '401', 'resync-401', ['resync', 'reboot_now']],
  ] as const) {
    for (const [i, event] of events.entries()) {
      const port = await freePort();
      await ok('device', 'set', mac, '--set', `sip.contact=sip:${user}@127.0.0.1:${port}`);
      const phone = sipp(scenario, port, { user, password: PASSWORD });
      const resync = await cli('resync', mac, ...(i === 1 ? ['--reboot'] : []), ...d);
      const answered = await phone;
      assert.equal(answered.code, 0, answered.output);
      assert.match(answered.log, /^AUTH ok$/m, `${mac} ${event}: sipp verified the digest`);
      if (scenario === 'resync-401')
        assert.match(answered.log, new RegExp(`^EVENT +${event}$`, 'm'));
      assert.equal(resync.code, 0, resync.out + resync.err);
      assert.equal(resync.out, `${mac}  200  ok  sip:${user}@127.0.0.1:${port}  ${event}\n`);
    }
  }
});

test('simulate --via pnp as a Grandstream phone: the SUBSCRIBE, the URL, then its files over HTTP', async () => {
  const result = await cli(
    'simulate',
    GS,
    '--vendor',
    'grandstream',
    '--via',
    'pnp',
    '--sip',
    `127.0.0.1:${server.ports['sip']}`,
    '--json',
  );
  assert.equal(result.code, 0, result.err);
  assert.match(result.err, new RegExp(`^pnp ${http.replace(/\./g, '\\.')}/ `, 'm'));
  const run = JSON.parse(result.out) as Run;
  assert.equal(run.ok, true);
  assert.ok(run.steps.every((s) => s.url.startsWith(`${http}/`)));
  assert.equal(run.settings['account.1.sip.userid'], '201');
});
