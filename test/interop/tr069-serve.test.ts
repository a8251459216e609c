import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';

import { fanvilCpe } from '../../src/drivers/fanvil/tr069.ts';
import type { Mac } from '../../src/model/mac.ts';
import { phoneFetch } from '../../src/simulate/fetch.ts';
import { listenForConnectionRequests, runCpe } from '../../src/simulate/cwmp.ts';
import { cli } from '../support/cli.ts';
import { tempDir } from '../support/harness.ts';
import { requirePeer } from '../support/peer.ts';
import { serve, type ServeProcess } from '../support/serve.ts';

// A real `plugndial serve` with its ACS door; the CLI (in this process) adds a Fanvil phone,
// plays it over TR-069 and sends it a connection request through the server's API.
const FANVIL = '0c383e07e16c' as Mac;

let dir: string;
let files: string;
let server: ServeProcess;
let acs: string;
let d: string[];

interface SimulateRun {
  ok: boolean;
  exchanges: string[];
  downloads: { fileType: string; url: string; faultCode: number; bytes: number }[];
  files: Record<string, number>;
}

async function ok(...args: string[]): Promise<string> {
  const result = await cli(...args, ...d);
  assert.equal(result.code, 0, `${args.join(' ')}\n${result.err}`);
  return result.out;
}

/** A server of `dataDir` with the HTTP door and the ACS on free loopback ports. */
function acsServer(dataDir: string, ...more: string[]): Promise<ServeProcess> {
  const doors = ['--http', '127.0.0.1:0', '--tftp', 'off', '--sip', 'off', '--acs', '127.0.0.1:0'];
  return serve(['--data-dir', dataDir, ...doors, ...more]);
}

/** `plugndial simulate` of a Fanvil X4 as a TR-069 CPE of the ACS at `acsUrl`. */
function asCpe(mac: string, acsUrl: string, ...more: string[]): ReturnType<typeof cli> {
  return cli(
    'simulate',
    mac,
    '--vendor',
    'fanvil',
    '--model',
    'X4',
    '--via',
    'tr069',
    '--acs',
    acsUrl,
    ...more,
  );
}

before(async () => {
  dir = tempDir();
  files = tempDir();
  d = ['--data-dir', dir];
  server = await acsServer(dir);
  acs = `http://127.0.0.1:${server.ports['acs']}/`;
  writeFileSync(join(files, 'x4.z'), Buffer.alloc(70_000, 0x42));
  await ok(
    'firmware',
    'add',
    join(files, 'x4.z'),
    '--vendor',
    'fanvil',
    '--model',
    'X4',
    '--version',
    '2.12.0.1',
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
    'accounts.1.user=1001',
    '--set',
    'accounts.1.password=s3cret',
    '--set',
    'accounts.1.registrar=pbx.example.com',
    '--set',
    'firmware.version=2.12.0.1',
  );
});

after(async () => {
  const code = await server?.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(files, { recursive: true, force: true });
  assert.equal(code, 0, server?.log());
});

test('a Fanvil phone is provisioned by TR-069 end to end: configuration and firmware by Download', async () => {
  const state = join(files, 'cpe.json');
  const simulate = async (): Promise<SimulateRun> => {
    const result = await asCpe(FANVIL, acs, '--state', state, '--json');
    assert.equal(result.code, 0, result.err + result.out);
    return JSON.parse(result.out) as SimulateRun;
  };
  const first = await simulate();
  const types = first.downloads.map((x) => x.fileType).sort();
  assert.deepEqual(types, ['1 Firmware Upgrade Image', '3 Vendor Configuration File']);
  assert.ok(first.downloads.every((x) => x.faultCode === 0 && x.bytes > 0));
  assert.equal(first.files['x4.z'], 70_000);
  assert.ok(first.downloads.some((x) => x.url.endsWith(`/${FANVIL}.cfg`)));
  assert.match(server.log(), /acs door listening/);

  // Acknowledged: the next boot gets nothing.
  const second = await simulate();
  assert.deepEqual(second.downloads, []);

  const shown = await ok('device', 'show', FANVIL, '--json');
  const device = JSON.parse(shown) as { reported?: Record<string, string> };
  assert.equal(device.reported?.['model'], 'X4');
  const events = await ok('events', '--mac', FANVIL, '--json');
  assert.match(events, /"transport": "acs"/);
  assert.ok(!events.includes('s3cret'));
});

test('resync --via tr069 reaches the phone by connection request; the session it opens delivers the change', async () => {
  let memory: Record<string, string> = {};
  const sessions: Promise<unknown>[] = [];
  const cpe = (events: string[], connectionRequestUrl?: string): ReturnType<typeof runCpe> =>
    runCpe({
      acsUrl: acs,
      mac: FANVIL,
      description: fanvilCpe({ mac: FANVIL, vendor: 'fanvil', model: 'X4' }),
      fetch: phoneFetch,
      events,
      memory,
      ...(connectionRequestUrl ? { connectionRequestUrl } : {}),
    }).then((run) => {
      memory = run.memory;
      return run;
    });
  const listener = await listenForConnectionRequests({
    host: '127.0.0.1',
    credentials: () => {
      const root = 'InternetGatewayDevice.ManagementServer';
      const username = memory[`param:${root}.ConnectionRequestUsername`];
      const password = memory[`param:${root}.ConnectionRequestPassword`];
      return username && password ? { username, password } : undefined;
    },
    onRequest: () => void sessions.push(cpe(['6 CONNECTION REQUEST'])),
  });
  try {
    const boot = await cpe(['0 BOOTSTRAP', '1 BOOT'], listener.url);
    assert.ok(boot.ok, boot.exchanges.join('\n'));
    await ok('device', 'set', FANVIL, '--set', 'accounts.1.user=1002');
    const out = await ok('resync', FANVIL, '--via', 'tr069');
    assert.match(out, new RegExp(`^${FANVIL}  200  ok  ${listener.url}  connection-request`));
    const [run] = (await Promise.all(sessions)) as Awaited<ReturnType<typeof runCpe>>[];
    assert.equal(run!.downloads.length, 1);
    assert.match(run!.files[`${FANVIL}.cfg`]!.toString(), /SIP1 Register User\s*:1002/);
  } finally {
    await listener.close();
  }
});

test('over HTTPS to the ACS (behind a TLS front, as operators run it), trusting --ca; a Download it cannot fetch fails the run', async (t) => {
  if (!requirePeer(t, 'openssl', 'openssl')) return;
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
      .concat(['-keyout', 'acs.key', '-out', 'acs.pem', '-days', '2', '-subj', '/CN=acs'])
      .concat(['-addext', 'subjectAltName=IP:127.0.0.1']),
    { cwd: files, stdio: 'ignore', timeout: 20_000 },
  );
  // The TLS front: each connection decrypted and handed to the ACS door as it is.
  const front = createTlsServer(
    { key: readFileSync(join(files, 'acs.key')), cert: readFileSync(join(files, 'acs.pem')) },
    (secure) => {
      const plain = connect(server.ports['acs']!, '127.0.0.1');
      secure.on('error', () => plain.destroy());
      plain.on('error', () => secure.destroy());
      secure.pipe(plain).pipe(secure);
    },
  );
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const https = `https://127.0.0.1:${(front.address() as AddressInfo).port}/`;
  const phone = '0c383e07e17a';
  await ok(
    'device',
    'add',
    phone,
    '--vendor',
    'fanvil',
    '--model',
    'X4',
    '--set',
    'accounts.1.user=1009',
  );
  const simulate = (...more: string[]): ReturnType<typeof cli> => asCpe(phone, https, ...more);
  try {
    const untrusted = await simulate();
    assert.equal(untrusted.code, 1, 'a certificate the phone does not trust');
    const trusted = await simulate('--ca', join(files, 'acs.pem'), '--json');
    assert.equal(trusted.code, 0, trusted.err);
    const run = JSON.parse(trusted.out) as SimulateRun;
    assert.ok(run.downloads.some((x) => x.url.endsWith(`/${phone}.cfg`) && x.faultCode === 0));
  } finally {
    await new Promise((resolve) => front.close(resolve));
  }
  // The ACS points the phone at a file server it cannot reach: every Download faults.
  const elsewhere = tempDir();
  const lost = await acsServer(elsewhere, '--public-url', 'http://127.0.0.1:9/');
  try {
    const added = await cli(
      'device',
      'add',
      '0c383e07e17b',
      '--vendor',
      'fanvil',
      '--model',
      'X4',
      '--data-dir',
      elsewhere,
    );
    assert.equal(added.code, 0, added.err);
    const failed = await asCpe('0c383e07e17b', `http://127.0.0.1:${lost.ports['acs']}/`);
    assert.equal(failed.code, 1, failed.out + failed.err);
    assert.match(failed.out, /^fault 9010 3 Vendor Configuration File /m);
    assert.match(
      failed.err,
      /3 Vendor Configuration File from http:\/\/127\.0\.0\.1:9\/.* failed \(fault 9010/,
    );
  } finally {
    await lost.stop();
    rmSync(elsewhere, { recursive: true, force: true });
  }
});
