import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { tempDir } from '../support/harness.ts';
import { requirePeer } from '../support/peer.ts';
import { cli } from '../support/cli.ts';
import { run, serve, type ServeProcess } from '../support/serve.ts';

// The real server process on loopback, sipp (Debian sip-tester) playing the phone: as the
// plug-and-play client that SUBSCRIBEs, and as the UAS that receives check-sync.
const SCENARIOS = fileURLToPath(new URL('./sipp/', import.meta.url));
const MAC = '0021f2000001';
const PASSWORD = 's3cret';

let dir: string;
let server: ServeProcess;

before(async () => {
  dir = tempDir();
  server = await serve(
    [
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
    ],
    90_000,
  );
  const added = await cli(
    'device',
    'add',
    MAC,
    '--vendor',
    'flyingvoice',
    '--set',
    'accounts.1.user=1001',
    '--set',
    `accounts.1.password=${PASSWORD}`,
    '--set',
    'accounts.1.registrar=pbx.example.com',
    '--data-dir',
    dir,
  );
  assert.equal(added.code, 0, added.err);
});

after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
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
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
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

async function subscribe(user: string, vendor = 'Flyingvoice'): Promise<string> {
  const result = await sipp(
    'pnp-subscribe',
    await freePort(),
    { user, vendor, model: 'FIP14G', version: 'V0.5.15' },
    `127.0.0.1:${server.ports['sip']}`,
  );
  assert.equal(result.code, 0, `sipp failed for ${user}:\n${result.output}`);
  const url = /^URL (\S+)$/m.exec(result.log)?.[1];
  assert.ok(url, `sipp logged no URL for ${user}`);
  return url;
}

test('sipp as the phone: every MAC form gets 200 OK, then a NOTIFY with the boot file URL', async (t) => {
  if (!requirePeer(t, 'sipp', 'sip-tester')) return;
  const tftp = `tftp://127.0.0.1:${server.ports['tftp']}`;
  // Five phones at once, one per form; and a Yealink phone that is not a device yet, which
  // gets the common boot file.
  const forms = [`MAC%3a${MAC}`, `MAC%3A${MAC}`, `MAC:${MAC}`, `MAC=${MAC}`, `MAC${MAC}`];
  const urls = await Promise.all([
    ...forms.map((user) => subscribe(user)),
    subscribe('MAC805ec0aa0002', 'Yealink'),
  ]);
  assert.deepEqual(urls, [...forms.map(() => `${tftp}/${MAC}.boot`), `${tftp}/y000000000000.boot`]);
  const pending = await cli('device', 'pending', '--json', '--data-dir', dir);
  assert.equal(JSON.parse(pending.out)[0].mac, '805ec0aa0002');

  const events = JSON.parse(
    (await cli('events', '--mac', MAC, '--json', '--data-dir', dir)).out,
  ) as {
    transport: string;
    status: number;
    file: string;
  }[];
  const sip = events.filter((e) => e.transport === 'sip');
  assert.equal(sip.length, 5, 'one event per SUBSCRIBE');
  assert.ok(sip.every((e) => e.status === 200 && e.file === `${tftp}/${MAC}.boot`));
});

// Each vendor's phone in its own MAC form (its driver's emulation decides it) and Event, from
// sipp's vendor scenario (no rport): a device, and a stranger its Event or agent names.
const VENDORS = [
  {
    vendor: 'fanvil',
    mac: '0c383e07e16c',
    user: (mac: string) => `MAC=${mac}`,
    event: ['Fanvil', 'X4', '2.10.2.6887'],
    agent: (mac: string) => `Fanvil X4 2.10.2.6887 ${mac}`,
    url: (http: string) => `${http}/`,
  },
  {
    vendor: 'gigaset',
    mac: '7c2f80000001',
    user: (mac: string) => `MAC%3a${mac}`,
    event: ['Gigaset', 'Maxwell 3', '2.22.7'],
    agent: (mac: string) => `Gigaset Maxwell 3/2.22.7;${mac.toUpperCase()}`,
    url: (http: string, mac: string) => `${http}/gigaset/${mac.toUpperCase()}`,
  },
  {
    vendor: 'auerswald',
    mac: '00095200000e',
    user: (mac: string) => `MAC%3A${mac.toUpperCase()}`,
    event: ['Auerswald', 'COMfortel D200', '2.8A'],
    agent: () => 'Auerswald COMfortel D200 2.8A',
    url: (http: string) => `${http}/auerswald/{mac}.xml?sn={serial}&hw={type}`,
  },
  {
    vendor: 'oem',
    mac: '00908f0a1b2c',
    user: (mac: string) => `MAC:${mac}`,
    event: ['leadtek', 'leadtek/LR8051S', '1.0'],
    agent: (mac: string) => `Plug-n-Dial leadtek/LR8051S 1.0 ${mac}`,
    url: (http: string) => `${http}/`,
  },
] as const;

test("sipp as each vendor's phone: its MAC form and Event get its URL", async (t) => {
  if (!requirePeer(t, 'sipp', 'sip-tester')) return;
  const http = `http://127.0.0.1:${server.ports['http']}`;
  for (const v of VENDORS) {
    const added = await cli('device', 'add', v.mac, '--vendor', v.vendor, '--data-dir', dir);
    assert.equal(added.code, 0, added.err);
  }
  const ask = async (v: (typeof VENDORS)[number], mac: string): Promise<string> => {
    const [vendor, model, version] = v.event;
    const result = await sipp(
      'pnp-subscribe-vendor',
      await freePort(),
      { user: v.user(mac), vendor, model, version, agent: v.agent(mac) },
      `127.0.0.1:${server.ports['sip']}`,
    );
    assert.equal(result.code, 0, `sipp failed for ${v.vendor} ${mac}:\n${result.output}`);
    const url = /^URL (\S+)$/m.exec(result.log)?.[1];
    assert.ok(url, `sipp logged no URL for ${v.vendor} ${mac}`);
    return url;
  };
  const strangers = VENDORS.map((_, i) => `02bb0000000${i}`);
  const urls = await Promise.all([
    ...VENDORS.map((v) => ask(v, v.mac)),
    ...VENDORS.map((v, i) => ask(v, strangers[i]!)),
  ]);
  assert.deepEqual(urls, [
    ...VENDORS.map((v) => v.url(http, v.mac)),
    ...VENDORS.map((v, i) => v.url(http, strangers[i]!)),
  ]);
  const pending = JSON.parse((await cli('device', 'pending', '--json', '--data-dir', dir)).out) as {
    mac: string;
    vendor?: string;
  }[];
  assert.deepEqual(
    strangers.map((mac) => pending.find((p) => p.mac === mac)?.vendor),
    VENDORS.map((v) => v.vendor),
  );
});

test('sipp as the phone: check-sync, then check-sync;reboot=true', async (t) => {
  if (!requirePeer(t, 'sipp', 'sip-tester')) return;
  const port = await freePort();
  const set = await cli(
    'device',
    'set',
    MAC,
    '--set',
    `sip.contact=sip:1001@127.0.0.1:${port}`,
    '--data-dir',
    dir,
  );
  assert.equal(set.code, 0, set.err);
  for (const reboot of [false, true]) {
    const phone = sipp('check-sync-uas', port, { user: '1001' });
    // sipp may bind after the first NOTIFY: timer E sends it again.
    const resync = await cli('resync', MAC, ...(reboot ? ['--reboot'] : []), '--data-dir', dir);
    const answered = await phone;
    const event = reboot ? 'check-sync;reboot=true' : 'check-sync';
    assert.equal(resync.code, 0, resync.err + resync.out);
    assert.equal(resync.out, `${MAC}  200  ok  sip:1001@127.0.0.1:${port}  ${event}\n`);
    assert.equal(answered.code, 0, answered.output);
    assert.match(answered.log, new RegExp(`^EVENT +${event.replace(/[;=]/g, '\\$&')}$`, 'm'));
  }
  const shown = JSON.parse((await cli('device', 'show', MAC, '--json', '--data-dir', dir)).out);
  assert.equal(shown.lastResync.event, 'check-sync;reboot=true');
  assert.equal(shown.lastResync.status, 200);
});

test('sipp as the phone: a 401 challenge is answered with the account credentials', async (t) => {
  if (!requirePeer(t, 'sipp', 'sip-tester')) return;
  const port = await freePort();
  await cli(
    'device',
    'set',
    MAC,
    '--set',
    `sip.contact=sip:1001@127.0.0.1:${port}`,
    '--data-dir',
    dir,
  );
  const phone = sipp('check-sync-401', port, { user: '1001', password: PASSWORD });
  const resync = await cli('resync', MAC, '--data-dir', dir);
  const answered = await phone;
  assert.equal(answered.code, 0, answered.output);
  assert.match(answered.log, /^AUTH ok$/m, 'sipp verified the digest');
  assert.equal(resync.code, 0, resync.out);
  assert.match(resync.out, /^0021f2000001 {2}200 {2}ok /);

  // The phone knows another password: it refuses, and the outcome says so.
  const wrong = sipp('check-sync-401', port, { user: '1001', password: 'not-it' });
  const refused = await cli('resync', MAC, '--json', '--data-dir', dir);
  await wrong;
  assert.equal(refused.code, 1);
  const [outcome] = JSON.parse(refused.out);
  assert.deepEqual([outcome.status, outcome.ok, outcome.reason], [403, false, 'forbidden']);
  assert.doesNotMatch(
    refused.out + (await cli('events', '--json', '--data-dir', dir)).out,
    /s3cret/,
  );
});

test('simulate --via pnp: the URL from the NOTIFY, then the phone fetches over TFTP', () => {
  const sim = run([
    'simulate',
    MAC,
    '--vendor',
    'flyingvoice',
    '--via',
    'pnp',
    '--sip',
    `127.0.0.1:${server.ports['sip']}`,
    '--json',
  ]);
  assert.equal(sim.code, 0, sim.err);
  const tftp = `tftp://127.0.0.1:${server.ports['tftp']}`;
  assert.match(sim.err, new RegExp(`^pnp ${tftp}/${MAC}\\.boot `, 'm'));
  const result = JSON.parse(sim.out);
  assert.deepEqual(
    result.steps.map((s: { url: string }) => s.url),
    [`${tftp}/${MAC}.boot`, `${tftp}/y000000000000.cfg`, `${tftp}/${MAC}.cfg`],
  );
  assert.equal(result.settings['account.1.user_name'], '1001');
  assert.equal(result.settings['account.1.sip_server_host'], 'pbx.example.com');
});

for (const v of [
  { vendor: 'fanvil', mac: '0c383e07e16c' },
  { vendor: 'gigaset', mac: '7c2f80000001' },
]) {
  test(`simulate --via pnp as ${v.vendor}: its SUBSCRIBE, the URL, then the phone fetches over HTTP`, async () => {
    const http = `http://127.0.0.1:${server.ports['http']}`;
    const expected = VENDORS.find((x) => x.vendor === v.vendor)!.url(http, v.mac);
    // The device may exist from the sipp test above, or not when that was skipped.
    await cli('device', 'add', v.mac, '--vendor', v.vendor, '--data-dir', dir);
    const set = await cli(
      'device',
      'set',
      v.mac,
      '--set',
      'accounts.1.user=2002',
      '--set',
      'accounts.1.registrar=pbx.example.com',
      '--data-dir',
      dir,
    );
    assert.equal(set.code, 0, set.err);
    const sim = run([
      'simulate',
      v.mac,
      '--vendor',
      v.vendor,
      '--via',
      'pnp',
      '--sip',
      `127.0.0.1:${server.ports['sip']}`,
      '--json',
    ]);
    assert.equal(sim.code, 0, sim.err);
    assert.match(sim.err, new RegExp(`^pnp ${expected.replace(/[.?{}&]/g, '\\$&')} `, 'm'));
    const result = JSON.parse(sim.out);
    assert.equal(result.ok, true);
    const urls = result.steps.map((s: { url: string }) => s.url);
    assert.equal(urls[0], v.vendor === 'fanvil' ? `${http}/f0X4hw1.100.cfg` : expected);
    assert.ok(
      urls.every((u: string) => u.startsWith(`${http}/`)),
      urls.join(' '),
    );
    const user = v.vendor === 'fanvil' ? 'SIP1 Phone Number' : 'SIP.Account.0.Username';
    assert.equal(result.settings[user], '2002');
    if (v.vendor === 'fanvil') assert.equal(urls[1], `${http}/${v.mac}.cfg`);
  });
}

// A Yealink W60B base as Yealink phones announce themselves: the bare `MAC<hex>` form, its
// model and firmware in the Event and its agent; then told to resync as Yealink's guide writes
// the NOTIFY (Administrator's Guide for SIP-T5 Series, "How to reboot the IP phone remotely?":
// `Event: check-sync;reboot=true`; plain `check-sync` resyncs with sip.notify_reboot_enable=0).
const W60B = '805ec0000077';

test('sipp as a Yealink W60B: plug-and-play answers its boot file, check-sync resyncs or reboots it', async (t) => {
  if (!requirePeer(t, 'sipp', 'sip-tester')) return;
  const added = await cli(
    'device',
    'add',
    W60B,
    '--vendor',
    'yealink',
    '--model',
    'W60B',
    '--set',
    'accounts.1.user=2001',
    '--set',
    'accounts.1.registrar=pbx.example.com',
    '--data-dir',
    dir,
  );
  assert.equal(added.code, 0, added.err);
  const announce = async (mac: string): Promise<string> => {
    const result = await sipp(
      'pnp-subscribe-vendor',
      await freePort(),
      {
        user: `MAC${mac}`,
        vendor: 'Yealink',
        model: 'W60B',
        version: '77.85.0.25',
        agent: `Yealink W60B 77.85.0.25 ${mac.replace(/(..)(?!$)/g, '$1:')}`,
      },
      `127.0.0.1:${server.ports['sip']}`,
    );
    assert.equal(result.code, 0, result.output);
    return /^URL (\S+)$/m.exec(result.log)?.[1] ?? '';
  };
  const tftp = `tftp://127.0.0.1:${server.ports['tftp']}`;
  assert.equal(await announce(W60B), `${tftp}/${W60B}.boot`);
  assert.equal(await announce('805ec00000ff'), `${tftp}/y000000000000.boot`);

  const port = await freePort();
  const set = await cli(
    'device',
    'set',
    W60B,
    '--set',
    `sip.contact=sip:2001@127.0.0.1:${port}`,
    '--data-dir',
    dir,
  );
  assert.equal(set.code, 0, set.err);
  for (const reboot of [false, true]) {
    const phone = sipp('check-sync-uas', port, { user: '2001' });
    const resync = await cli('resync', W60B, ...(reboot ? ['--reboot'] : []), '--data-dir', dir);
    const answered = await phone;
    const event = reboot ? 'check-sync;reboot=true' : 'check-sync';
    assert.equal(resync.code, 0, resync.err + resync.out);
    assert.equal(answered.code, 0, answered.output);
    assert.match(answered.log, new RegExp(`^EVENT +${event.replace(/[;=]/g, '\\$&')}$`, 'm'));
  }
});

test('simulate --via pnp as a Yealink W60B: the boot file over TFTP, then its model file and its own', async () => {
  // The device may exist from the sipp test above, or not when that was skipped.
  await cli('device', 'add', W60B, '--vendor', 'yealink', '--model', 'W60B', '--data-dir', dir);
  await cli('device', 'set', W60B, '--set', 'handsets.1.name=Desk', '--data-dir', dir);
  const sim = run([
    'simulate',
    W60B,
    '--vendor',
    'yealink',
    '--model',
    'W60B',
    '--via',
    'pnp',
    '--sip',
    `127.0.0.1:${server.ports['sip']}`,
    '--json',
  ]);
  assert.equal(sim.code, 0, sim.err);
  const tftp = `tftp://127.0.0.1:${server.ports['tftp']}`;
  const result = JSON.parse(sim.out);
  assert.deepEqual(
    result.steps.map((s: { url: string }) => s.url),
    [`${tftp}/${W60B}.boot`, `${tftp}/y000000000077.cfg`, `${tftp}/${W60B}.cfg`],
  );
  assert.equal(result.settings['handset.1.name'], 'Desk');
});
