import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { tempDir } from '../support/harness.ts';
import { hasPeer, requirePeer } from '../support/peer.ts';
import { run, serve, type ServeProcess } from '../support/serve.ts';

// The real server with its HTTPS and FTP doors, walked by curl, openssl s_client, lftp and
// the phone emulation. Everything stays on loopback; every loop is bounded.

const LEGIT = '0021f20000a1';
const KNOWN = '0021f20000a2';
const CERT_ONE = '0021f20000c1';
const CERT_TWO = '0021f20000c2';
let dir: string;
let certs: string;
let server: ServeProcess;
let http: string;
let https: string;
let ftp: string;
let token: string;
let serverCa: string;
let knownPassword = '';

before(async () => {
  dir = tempDir();
  certs = tempDir('pnd-certs-');
  // The phone maker's CA and two factory certificates: the MAC in the CN, or in a SAN.
  if (hasPeer('openssl')) makeFactoryCertificates(certs);
  const passive = 40_000 + Math.floor(Math.random() * 900) * 10;
  server = await serve([
    '--data-dir',
    dir,
    '--http',
    '127.0.0.1:0',
    '--https',
    '127.0.0.1:0',
    '--ftp',
    '127.0.0.1:0',
    '--ftp-passive-ports',
    `${passive}-${passive + 9}`,
    '--tftp',
    'off',
    '--sip',
    'off',
    ...(hasPeer('openssl') ? ['--client-ca', join(certs, 'ca.pem')] : []),
  ]);
  http = `http://127.0.0.1:${server.ports['http']}`;
  https = `https://127.0.0.1:${server.ports['https']}`;
  ftp = `ftp://127.0.0.1:${server.ports['ftp']}`;
  token = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
  serverCa = join(dir, 'tls', 'server.crt');
  assert.equal(statSync(join(dir, 'tls', 'server.key')).mode & 0o777, 0o600);
  // Nothing in the data directory is readable by anyone but its owner.
  const loose = readdirSync(dir, { recursive: true })
    .map((name) => join(dir, String(name)))
    .filter((path) => statSync(path).mode & 0o077);
  assert.deepEqual(loose, []);
  // The operator's commands: a policy for every phone, and the phones.
  const policy = run([
    'profile',
    'set',
    'default',
    '--data-dir',
    dir,
    '--set',
    'provisioning.access=device-credentials',
  ]);
  assert.equal(policy.code, 0, policy.err);
  const csv = join(dir, 'phones.csv');
  writeFileSync(
    csv,
    [
      'mac,vendor,accounts.1.user,accounts.1.password,provisioning.first_contact_window,provisioning.access',
      `${LEGIT},flyingvoice,1001,sip-secret-1,600,`,
      `${KNOWN},flyingvoice,1002,sip-secret-2,0,`,
      `${CERT_ONE},flyingvoice,1003,sip-secret-3,0,client-certificate`,
      `${CERT_TWO},flyingvoice,1004,sip-secret-4,0,client-certificate`,
    ].join('\n'),
  );
  const imported = run(['device', 'import', csv, '--data-dir', dir]);
  assert.equal(imported.code, 0, imported.err);
  const shown = run(['device', 'credentials', KNOWN, '--secrets', '--json', '--data-dir', dir]);
  assert.equal(shown.code, 0, shown.err);
  knownPassword = JSON.parse(shown.out).password;
  assert.equal(knownPassword.length, 24);
  const masked = run(['device', 'credentials', KNOWN, '--data-dir', dir]);
  assert.doesNotMatch(masked.out, new RegExp(knownPassword));
});

after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(certs, { recursive: true, force: true });
});

function makeFactoryCertificates(out: string): void {
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: out, stdio: 'ignore', timeout: 20_000 });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Phone Maker CA',
  );
  writeFileSync(join(out, 'san.ext'), `subjectAltName=URI:urn:dev:mac:${CERT_TWO}\n`);
  for (const [name, subject, ext] of [
    ['one', `/CN=${CERT_ONE}`, []],
    ['two', '/CN=Phone/O=Maker', ['-extfile', 'san.ext']],
  ] as const) {
    ssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      ...ext,
    );
  }
}

interface CurlResult {
  status: number;
  body: string;
  stderr: string;
  code: number | null;
}

function curl(url: string, ...extra: string[]): CurlResult {
  const result = spawnSync(
    'curl',
    ['-s', '--path-as-is', '--max-time', '10', '-o', '-', '-w', '\n%{http_code}', ...extra, url],
    { encoding: 'utf8', timeout: 20_000 },
  );
  const cut = result.stdout.lastIndexOf('\n');
  return {
    status: Number(result.stdout.slice(cut + 1)),
    body: result.stdout.slice(0, cut),
    stderr: result.stderr,
    code: result.status,
  };
}

/** The admin API on a fresh connection each time: no keep-alive socket to race on a busy machine. */
function api(method: string, path: string, body?: unknown): Promise<unknown> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${http}/api/v1${path}`,
      {
        method,
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
        },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve(JSON.parse(text)));
        response.on('error', reject);
      },
    );
    request.on('error', (error) =>
      reject(new Error(`${path}: ${error.message}\n${server.log().slice(-2000)}`)),
    );
    request.end(payload);
  });
}

test('TLS: 1.0 and 1.1 are refused by the server, 1.2 and 1.3 accepted', (t) => {
  if (!requirePeer(t, 'openssl', 'openssl')) return;
  const port = String(server.ports['https']);
  const probe = (version: string): string => {
    const out = spawnSync(
      'openssl',
      // -brief: one handshake, its protocol version, then end (no session to wait for).
      [
        's_client',
        '-brief',
        '-connect',
        `127.0.0.1:${port}`,
        `-${version}`,
        '-cipher',
        'DEFAULT@SECLEVEL=0',
      ],
      { input: '', encoding: 'utf8', timeout: 10_000 },
    );
    return out.stdout + out.stderr;
  };
  for (const version of ['tls1', 'tls1_1']) {
    // Alert 70 is the server's "protocol version": the client offered, the server refused.
    assert.match(probe(version), /alert protocol version|alert number 70/, version);
  }
  assert.match(probe('tls1_2'), /Protocol version: TLSv1\.2/);
  assert.match(probe('tls1_3'), /Protocol version: TLSv1\.3/);
});

test('curl --digest (SHA-256, then MD5) and --basic over TLS; wrong and missing credentials', async (t) => {
  if (!requirePeer(t, 'curl', 'curl')) return;
  const file = `${https}/${KNOWN}.cfg`;
  const tls = ['--cacert', serverCa];
  const good = curl(file, ...tls, '--digest', '-u', `${KNOWN}:${knownPassword}`, '-v');
  assert.equal(good.status, 200, good.stderr);
  assert.match(good.stderr, /algorithm=SHA-256/);
  assert.match(good.body, /^account\.1\.password=sip-secret-2$/m);
  assert.equal(curl(file, ...tls, '--basic', '-u', `${KNOWN}:${knownPassword}`).status, 200);
  // The same Basic in clear is refused: Basic only over TLS.
  const clear = curl(`${http}/${KNOWN}.cfg`, '--basic', '-u', `${KNOWN}:${knownPassword}`);
  assert.equal(clear.status, 401);
  const wrong = curl(file, ...tls, '--digest', '-u', `${KNOWN}:not-the-password`);
  const missing = curl(file, ...tls);
  const unknown = curl(`${https}/0021f20000ff.cfg`, ...tls);
  const noFile = curl(`${https}/no-such-file.bin`, ...tls);
  for (const refused of [wrong, missing, unknown, noFile]) {
    assert.equal(refused.status, 401);
    assert.equal(refused.body, 'Unauthorized\n');
  }
  // The operator prefers MD5 for older phones: curl takes the first algorithm offered.
  await api('PATCH', '/profiles/default', {
    settings: { 'provisioning.digest_algorithms': 'md5,sha-256' },
  });
  const md5 = curl(file, ...tls, '--digest', '-u', `${KNOWN}:${knownPassword}`, '-v');
  assert.equal(md5.status, 200, md5.stderr);
  assert.match(md5.stderr, /algorithm=MD5/);
  await api('PATCH', '/profiles/default', { unset: ['provisioning.digest_algorithms'] });
});

test('curl --cert/--key: a factory certificate names its device by CN or SAN, and only it', (t) => {
  if (!requirePeer(t, 'curl', 'curl') || !requirePeer(t, 'openssl', 'openssl')) return;
  const tls = ['--cacert', serverCa];
  const as = (name: string): string[] => [
    ...tls,
    '--cert',
    join(certs, `${name}.pem`),
    '--key',
    join(certs, `${name}.key`),
  ];
  const one = curl(`${https}/${CERT_ONE}.cfg`, ...as('one'));
  assert.equal(one.status, 200, one.stderr);
  assert.match(one.body, /^account\.1\.password=sip-secret-3$/m);
  assert.equal(curl(`${https}/${CERT_TWO}.cfg`, ...as('two')).status, 200, 'MAC in the SAN');
  assert.notEqual(curl(`${https}/${CERT_TWO}.cfg`, ...as('one')).status, 200, "another's file");
  assert.notEqual(curl(`${https}/${CERT_ONE}.cfg`, ...tls).status, 200, 'no certificate');
  assert.notEqual(curl(`${http}/${CERT_ONE}.cfg`).status, 200, 'no TLS at all');
});

test('first contact over the phone emulation: once without credentials, then only with them', (t) => {
  if (!requirePeer(t, 'curl', 'curl')) return;
  const state = join(dir, 'phone-state.json');
  const phone = (...extra: string[]): ReturnType<typeof run> =>
    run([
      'simulate',
      LEGIT,
      '--vendor',
      'flyingvoice',
      '--url',
      `${https}/`,
      '--ca',
      serverCa,
      '--json',
      ...extra,
    ]);
  const first = phone('--state', state);
  assert.equal(first.code, 0, first.err);
  const kept = JSON.parse(readFileSync(state, 'utf8'));
  assert.equal(kept['auto_provision.server.username'], LEGIT);
  assert.equal(statSync(state).mode & 0o777, 0o600);
  const second = phone('--state', state);
  assert.equal(second.code, 0, second.err);
  const steps = JSON.parse(second.out).steps as { status: number }[];
  assert.ok(steps.length >= 3 && steps.every((s) => s.status === 200));
  // Someone else with the MAC and no credentials gets nothing now.
  const stranger = phone();
  assert.notEqual(stranger.code, 0);
  assert.equal(curl(`${https}/${LEGIT}.cfg`, '--cacert', serverCa).status, 401);
  const events = run(['events', '--security', '--mac', LEGIT, '--json', '--data-dir', dir]);
  const kinds = (JSON.parse(events.out) as { kind: string }[]).map((e) => e.kind).sort();
  assert.deepEqual(kinds, ['first-contact-closed', 'first-contact-opened']);
});

test('FTP: curl and lftp downloads equal HTTP byte for byte; logins checked; uploads refused', (t) => {
  if (!requirePeer(t, 'curl', 'curl') || !requirePeer(t, 'lftp', 'lftp')) return;
  const blob = join(dir, 'fw.bin');
  writeFileSync(blob, randomBytes(700_000));
  const put = run(['file', 'put', blob, 'firmware/fw.bin', '--data-dir', dir]);
  assert.equal(put.code, 0, put.err);
  const user = `${KNOWN}:${knownPassword}`;
  for (const path of [`${KNOWN}.cfg`, 'firmware/fw.bin']) {
    const viaHttp = spawnSync('curl', ['-s', '--digest', '-u', user, `${http}/${path}`], {
      timeout: 20_000,
    }).stdout;
    const viaFtp = spawnSync('curl', ['-s', '-u', user, `${ftp}/${path}`], {
      timeout: 20_000,
    }).stdout;
    assert.ok(viaHttp.length > 0, path);
    assert.ok(viaHttp.equals(viaFtp), `${path}: curl ftp:// equals HTTP`);
    const local = join(dir, `lftp-${path.replace(/\W/g, '_')}`);
    const lftp = spawnSync(
      'lftp',
      [
        '-u',
        `${KNOWN},${knownPassword}`,
        '-e',
        `set net:max-retries 1; set net:timeout 10; get /${path} -o ${local}; bye`,
        ftp,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(lftp.status, 0, lftp.stderr);
    assert.ok(readFileSync(local).equals(viaHttp), `${path}: lftp equals HTTP`);
  }
  // The URL form phones take (seed 004): ftp://user:password@host/file.
  const [host, port] = [`127.0.0.1`, server.ports['ftp']];
  assert.equal(curl(`ftp://${user}@${host}:${port}/${KNOWN}.cfg`).code, 0);
  assert.equal(curl(`ftp://${KNOWN}:wrong@${host}:${port}/${KNOWN}.cfg`).code, 67, 'login denied');
  assert.equal(curl(`${ftp}/${KNOWN}.cfg`).code, 78, 'anonymous: as if missing');
  // Read-only: curl -T and lftp put both fail, and nothing appears.
  const upload = join(dir, 'upload.txt');
  writeFileSync(upload, 'not welcome\n');
  assert.notEqual(curl(`${ftp}/upload.txt`, '-u', user, '-T', upload).code, 0);
  const lput = spawnSync(
    'lftp',
    [
      '-u',
      `${KNOWN},${knownPassword}`,
      '-e',
      `set net:max-retries 1; put ${upload} -o /upload.txt; bye`,
      ftp,
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  assert.notEqual(lput.status, 0);
  assert.equal(curl(`${http}/upload.txt`, '--digest', '-u', user).status, 404);
  // Listing shows the logged-in device's own files, nothing of anyone else's.
  const listed = spawnSync('curl', ['-s', '-l', '-u', user, `${ftp}/`], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.match(listed.stdout, new RegExp(`^${KNOWN}\\.cfg\\r?$`, 'm'));
  assert.doesNotMatch(listed.stdout, new RegExp(LEGIT));
});

test('a burst of 100 guessed MACs ends throttled and recorded; a phone elsewhere is served', async (t) => {
  if (!requirePeer(t, 'curl', 'curl')) return;
  const guesses = Array.from(
    { length: 100 },
    (_, i) => `${http}/0021f2${(0x100000 + i * 7919).toString(16).slice(-6)}.cfg`,
  );
  const started = performance.now();
  const burst = spawnSync(
    'curl',
    [
      '-s',
      '--interface',
      '127.0.0.3',
      '-w',
      '%{http_code}\n',
      ...guesses.flatMap((url) => ['-o', '/dev/null', url]),
    ],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  const elapsed = performance.now() - started;
  const statuses = burst.stdout.trim().split('\n');
  assert.equal(statuses.length, 100);
  assert.ok(
    statuses.every((s) => s === '401'),
    'every guess looks the same',
  );
  // The address is now refused whatever proves nothing, a file that exists too...
  assert.equal(curl(`${http}/${KNOWN}.cfg`, '--interface', '127.0.0.3').status, 401);
  // ...but a phone there with its own credentials is served (phones share a NAT address),
  const user = `${KNOWN}:${knownPassword}`;
  const from = ['--digest', '-u', user, '--interface', '127.0.0.3'];
  assert.equal(curl(`${http}/${KNOWN}.cfg`, ...from).status, 200);
  // ...and so is one at another address.
  const elsewhere = curl(
    `${http}/${KNOWN}.cfg`,
    '--digest',
    '-u',
    user,
    '--interface',
    '127.0.0.2',
  );
  assert.equal(elsewhere.status, 200, elsewhere.stderr);
  const security = (await api('GET', '/security-events?limit=20')) as {
    kind: string;
    address: string;
    at: string;
  }[];
  // (127.0.0.1 may be blocked too: the tests before this one start many Digest exchanges
  // there, each with a refusal that counts; their credentials kept them served.)
  const blocked = security.filter((e) => e.kind === 'address-blocked').map((e) => e.address);
  assert.ok(blocked.includes('127.0.0.3'), blocked.join(', '));
  assert.ok(!blocked.includes('127.0.0.2'));
  const events = (await api('GET', '/events?limit=200')) as {
    address: string;
    reason?: string;
    file: string;
  }[];
  const throttled = events.filter(
    (e) => e.address === '127.0.0.3' && e.reason === 'throttled',
  ).length;
  // 20 misses are allowed in 60 s; the 21st blocks; the other 79 are refused as throttled,
  // and so are the plain request and the first of curl --digest's two (it asks, then answers).
  assert.equal(throttled, 100 - 21 + 2);
  t.diagnostic(
    `burst of 100 guesses in ${elapsed.toFixed(0)} ms (${(elapsed / 100).toFixed(1)} ms each); blocked after 21; ${throttled} refused as throttled`,
  );
});
