import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { cli } from '../support/cli.ts';
import { tempDir } from '../support/harness.ts';
import { requirePeer } from '../support/peer.ts';
import { serve, type ServeProcess } from '../support/serve.ts';

// A real server process; curl, tftp-hpa and sipp play Snom and Poly phones against it, and
// the CLI's phone emulation boots them over HTTP and TFTP.
const SCENARIOS = fileURLToPath(new URL('./sipp/', import.meta.url));
const SNOM = '000413a11fa7';
const POLY = '0004f2000001';
const SNOM_AGENT =
  'Mozilla/4.0 (compatible; snomD385-SIP 10.1.184.15 2010.12-00004-g9ba52f5 000413A11FA7 SXM:0 UXM:0)';
const POLY_AGENT = 'FileTransport PolycomVVX-VVX_450-UA/6.4.6.2500 Type/Application';

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
  assert.equal(result.code, 0, result.err);
  return JSON.parse(result.out) as Run;
}

function run(
  command: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { timeout: 20_000, encoding: 'utf8', cwd: dir },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
          stdout,
          stderr,
        }),
    );
  });
}

before(async () => {
  dir = tempDir();
  d = ['--data-dir', dir];
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
  http = `http://127.0.0.1:${server.ports['http']}`;
  tftpPort = server.ports['tftp']!;
  const account = [
    '--set',
    'accounts.1.password=s3cret',
    '--set',
    'accounts.1.registrar=pbx.example.com',
  ];
  await ok(
    'profile',
    'add',
    'default',
    '--set',
    'time.timezone=Europe/Berlin',
    '--set',
    'time.ntp_servers=pool.ntp.org',
  );
  await ok(
    'device',
    'add',
    SNOM,
    '--vendor',
    'snom',
    '--model',
    'D385',
    '--set',
    'accounts.1.user=1001',
    ...account,
  );
  await ok(
    'device',
    'add',
    POLY,
    '--vendor',
    'poly',
    '--model',
    'VVX450',
    '--set',
    'accounts.1.user=2001',
    '--set',
    'provisioning.uploads=store',
    '--set',
    'provisioning.upload_limit=4096',
    ...account,
  );
  writeFileSync(join(dir, 'contacts.csv'), 'name,office,mobile\nReception,100,\n');
  await ok('phonebook', 'import', join(dir, 'contacts.csv'), '--profile', 'default');
});
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('curl as a Snom phone: the two setting file lists, its settings with a named zone, a prefix, any case', async (t) => {
  if (!requirePeer(t, 'curl', 'curl')) return;
  const get = (path: string) =>
    run('curl', ['-sS', '-A', SNOM_AGENT, '-w', '\n%{http_code}', `${http}${path}`]);
  const model = await get('/snomD385.htm');
  assert.match(
    model.stdout,
    /<file url="http:\/\/127\.0\.0\.1:\d+\/snomD385\.xml"\/>\n<\/setting-files>\n\n200$/,
  );
  const list = await get('/prov/snomD385-000413A11FA7.htm');
  assert.match(list.stdout, /\/prov\/000413A11FA7\.xml"\/>/);
  assert.match(list.stdout, /\/prov\/000413A11FA7-tbook\.xml"\/>/);
  const own = await get('/000413a11fa7.xml');
  assert.match(own.stdout, /<user_name idx="1" perm="R">1001<\/user_name>/);
  assert.match(own.stdout, /<timezone perm="R">GER\+1<\/timezone>/);
  assert.match(own.stdout, /200$/);
  assert.match((await get('/000413A11FA7-tbook.xml')).stdout, /<name>Reception<\/name>/);
  // An unknown Snom gets what any unknown phone gets.
  assert.match((await get('/snomD385-000413FFFFFF.htm')).stdout, /404$/);
});

test('curl as a Poly phone: PUT its logs and overrides (kept, bounded), GET its master, settings and overrides back', async (t) => {
  if (!requirePeer(t, 'curl', 'curl')) return;
  const log = join(dir, 'boot.log');
  writeFileSync(log, 'boot ok\n');
  const put = (path: string, file: string) =>
    run('curl', [
      '-sS',
      '-A',
      POLY_AGENT,
      '-T',
      file,
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      `${http}${path}`,
    ]);
  assert.equal((await put(`/${POLY}-boot.log`, log)).stdout, '204');
  const override = join(dir, 'phone.cfg');
  writeFileSync(override, '<PHONE_CONFIG><OVERRIDES reg.1.displayName="Mine"/></PHONE_CONFIG>\n');
  assert.equal((await put(`/${POLY}-phone.cfg`, override)).stdout, '204');
  const big = join(dir, 'big.log');
  writeFileSync(big, Buffer.alloc(100_000, 0x41));
  assert.equal((await put(`/${POLY}-app.log`, big)).stdout, '413');
  assert.equal((await put(`/${POLY}.cfg`, log)).stdout, '405');
  const get = (path: string) => run('curl', ['-sS', '-A', POLY_AGENT, `${http}${path}`]);
  assert.match((await get(`/${POLY}.cfg`)).stdout, /CONFIG_FILES="0004f2000001-settings\.cfg"/);
  assert.match((await get(`/${POLY}-settings.cfg`)).stdout, /reg\.1\.address="2001"/);
  assert.match((await get(`/${POLY}-phone.cfg`)).stdout, /displayName="Mine"/);
  const listed = await ok('file', 'list');
  assert.match(listed, new RegExp(`uploads/${POLY}/${POLY}-boot\\.log`));
  assert.doesNotMatch(listed, /-app\.log/);
});

test('tftp-hpa as both phones: their files by name; a write request is refused cleanly', async (t) => {
  if (!requirePeer(t, 'tftp', 'tftp-hpa')) return;
  const get = async (remote: string): Promise<string> => {
    const local = join(dir, `tftp-${remote}`);
    const result = await run('tftp', [
      '127.0.0.1',
      String(tftpPort),
      '-m',
      'octet',
      '-c',
      'get',
      remote,
      local,
    ]);
    assert.equal(result.code, 0, `${remote}: ${result.stdout}${result.stderr}`);
    return readFileSync(local, 'utf8');
  };
  assert.match(
    await get('snomD385-000413A11FA7.htm'),
    /tftp:\/\/127\.0\.0\.1:\d+\/000413A11FA7\.xml/,
  );
  assert.match(await get('000413A11FA7.xml'), /<user_name idx="1" perm="R">1001</);
  assert.match(await get(`${POLY}.cfg`), /<APPLICATION/);
  assert.match(await get(`${POLY}-settings.cfg`), /tcpIpApp\.sntp\.gmtOffset="3600"/);
  writeFileSync(join(dir, 'app.log'), 'x\n');
  const put = await run('tftp', [
    '127.0.0.1',
    String(tftpPort),
    '-m',
    'octet',
    '-c',
    'put',
    join(dir, 'app.log'),
    `${POLY}-app.log`,
  ]);
  assert.match(put.stdout + put.stderr, /Access violation/i);
  // The door is still there.
  assert.match(await get(`${POLY}.cfg`), /<APPLICATION/);
});

test('simulate: both phones boot end to end over HTTP and TFTP; a second boot applies nothing new', async () => {
  const state = join(dir, 'snom.json');
  for (const base of [`${http}/`, `tftp://127.0.0.1:${tftpPort}/`]) {
    const snom = await simulate(
      SNOM,
      '--vendor',
      'snom',
      '--model',
      'D385',
      '--url',
      base,
      '--state',
      state,
    );
    assert.equal(snom.ok, true, JSON.stringify(snom.steps));
    assert.equal(snom.settings['user_name[1]'], '1001');
    assert.equal(snom.settings['tbook[0]'], 'Reception 100');
    const poly = await simulate(POLY, '--vendor', 'poly', '--model', 'VVX450', '--url', base);
    assert.equal(poly.ok, true, JSON.stringify(poly.steps));
    assert.equal(poly.settings['reg.1.address'], '2001');
    assert.equal(poly.settings['directory[0]'], 'Reception 100');
  }
  // The TFTP boot came last: the same files again are read and not applied.
  const again = await simulate(
    SNOM,
    '--vendor',
    'snom',
    '--model',
    'D385',
    '--url',
    `tftp://127.0.0.1:${tftpPort}/`,
    '--state',
    state,
  );
  assert.deepEqual(
    again.steps.filter((s) => s.applied),
    [],
  );
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
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(kill);
      let log = '';
      try {
        log = readFileSync(logFile, 'utf8');
      } catch {
        // no log: the scenario never got that far
      }
      resolve({ code, log, output: output.slice(-2000) });
    });
  });
}

test('sipp as Snom phones: the wiki SUBSCRIBE form gets the setting server directory; a stranger of the block is pending as snom', async (t) => {
  if (!requirePeer(t, 'sipp', 'sip-tester')) return;
  const ask = async (mac: string): Promise<string> => {
    const result = await sipp(
      'pnp-subscribe-vendor',
      await freePort(),
      {
        user: `MAC%3a${mac.toUpperCase()}`,
        vendor: 'OEM',
        model: 'OEM',
        version: '10.1.184.15',
        agent: `snomD385/10.1.184.15`,
      },
      `127.0.0.1:${server.ports['sip']}`,
    );
    assert.equal(result.code, 0, result.output);
    const url = /^URL (\S+)$/m.exec(result.log)?.[1];
    assert.ok(url, 'sipp logged no URL');
    return url;
  };
  assert.deepEqual(await Promise.all([ask(SNOM), ask('000413000042')]), [`${http}/`, `${http}/`]);
  const pending = JSON.parse(await ok('device', 'pending', '--json')) as {
    mac: string;
    vendor?: string;
  }[];
  assert.equal(pending.find((p) => p.mac === '000413000042')?.vendor, 'snom');
});

test('sipp as the phone told to resync: Snom check-sync;reboot=false and ;reboot=true, Poly check-sync both ways', async (t) => {
  if (!requirePeer(t, 'sipp', 'sip-tester')) return;
  for (const [mac, events] of [
    [SNOM, ['check-sync;reboot=false', 'check-sync;reboot=true']],
    [POLY, ['check-sync', 'check-sync']],
  ] as const) {
    const port = await freePort();
    await ok('device', 'set', mac, '--set', `sip.contact=sip:1001@127.0.0.1:${port}`);
    for (const [i, event] of events.entries()) {
      const phone = sipp('check-sync-reboot-uas', port, {});
      const resync = await cli('resync', mac, ...(i === 1 ? ['--reboot'] : []), ...d);
      const answered = await phone;
      assert.equal(resync.code, 0, resync.err + resync.out);
      assert.equal(answered.code, 0, answered.output);
      assert.match(answered.log, new RegExp(`^EVENT +${event.replace(/[;=]/g, '\\$&')}$`, 'm'));
    }
  }
});

test('plugndial dhcp: Snom by option 60 and its block with 66, Poly by its blocks with 160 and 66', async () => {
  const snippet = await ok(
    'dhcp',
    '--format',
    'dnsmasq',
    '--public-url',
    'http://10.0.0.5',
    '--vendor',
    'snom',
    '--vendor',
    'poly',
  );
  assert.match(snippet, /^dhcp-vendorclass=set:plugndial-snom,snom$/m);
  assert.match(snippet, /^dhcp-mac=set:plugndial-snom-mac,00:04:13:\*:\*:\*$/m);
  assert.match(snippet, /^dhcp-option-force=tag:plugndial-snom,66,"http:\/\/10\.0\.0\.5\/"$/m);
  assert.match(snippet, /^dhcp-mac=set:plugndial-poly-mac,00:04:f2:\*:\*:\*$/m);
  assert.match(snippet, /^dhcp-option-force=tag:plugndial-poly,160,"http:\/\/10\.0\.0\.5\/"$/m);
  assert.match(snippet, /^dhcp-option-force=tag:plugndial-poly,66,"http:\/\/10\.0\.0\.5\/"$/m);
  const isc = await ok(
    'dhcp',
    '--format',
    'isc',
    '--public-url',
    'http://10.0.0.5',
    '--vendor',
    'poly',
  );
  assert.match(isc, /^option plugndial-option-160 code 160 = text;$/m);
});

test('simulate --via pnp as Snom: its SUBSCRIBE, the directory URL, then the phone boots over HTTP', async () => {
  const result = await cli(
    'simulate',
    SNOM,
    '--vendor',
    'snom',
    '--model',
    'D385',
    '--via',
    'pnp',
    '--sip',
    `127.0.0.1:${server.ports['sip']}`,
    '--json',
  );
  assert.equal(result.code, 0, result.err);
  assert.match(result.err, new RegExp(`^pnp ${http}/ `, 'm'));
  const booted = JSON.parse(result.out) as Run;
  assert.deepEqual(
    booted.steps.slice(0, 2).map((s) => s.url),
    [`${http}/snomD385.htm`, `${http}/snomD385.xml`],
  );
  assert.equal(booted.settings['user_name[1]'], '1001');
});
