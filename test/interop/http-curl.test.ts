import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { tempDir } from '../support/harness.ts';
import { requirePeer } from '../support/peer.ts';
import { run, serve, type ServeProcess, httpOnly } from '../support/serve.ts';

// The real server process, managed by the real CLI, fetched from by the real curl binary.
let dir: string;
let server: ServeProcess;
let base: string;
const UA = 'Flyingvoice FIP14G V0.5.15 00:21:f2:00:00:01';

before(async () => {
  dir = tempDir();
  server = await serve(httpOnly(dir));
  base = `http://127.0.0.1:${server.ports['http']}`;
});
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function curl(path: string, ...extra: string[]): { status: number; body: string } {
  const result = spawnSync(
    'curl',
    ['-s', '--path-as-is', '-A', UA, '-o', '-', '-w', '\n%{http_code}', ...extra, `${base}${path}`],
    { encoding: 'utf8', timeout: 10_000 },
  );
  const text = result.stdout;
  const cut = text.lastIndexOf('\n');
  return { status: Number(text.slice(cut + 1)), body: text.slice(0, cut) };
}

test('management commands reach the running server through its API', () => {
  const added = run([
    'device',
    'add',
    '00:21:F2:00:00:01',
    '--vendor',
    'flyingvoice',
    '--data-dir',
    dir,
    '--set',
    'accounts.1.user=1001',
    '--set',
    'accounts.1.password=s3cret',
    '--set',
    'accounts.1.registrar=pbx.example.com',
  ]);
  assert.equal(added.code, 0, added.err);
  assert.match(added.out, /added 0021f2000001/);
});

test("curl walks a Flyingvoice phone's sequence", (t) => {
  if (!requirePeer(t, 'curl', 'curl')) return;
  const first = curl('/0021f2000001');
  assert.equal(first.status, 200);
  const boot = curl('/0021f2000001.boot');
  assert.equal(boot.status, 200);
  assert.equal(boot.body, first.body);
  const includes = [...boot.body.matchAll(/^include:config "(.+)"$/gm)].map((m) => m[1]!);
  assert.deepEqual(includes, ['y000000000000.cfg', '0021f2000001.cfg']);
  assert.equal(curl('/y000000000000.boot').status, 200);
  for (const include of includes) assert.equal(curl(`/${include}`).status, 200, include);
  const cfg = curl('/0021f2000001.cfg').body;
  assert.match(cfg, /^account\.1\.user_name=1001$/m);
  assert.match(cfg, /^account\.1\.auth_name=1001$/m);
  assert.match(cfg, /^account\.1\.password=s3cret$/m);
  assert.match(cfg, /^account\.1\.sip_server_host=pbx\.example\.com$/m);
  assert.equal(curl('/prov/0021f2000001.cfg').body, cfg);
  assert.equal(curl('/y000000000000.cfg').status, 200);
  assert.equal(curl('/0021f2000099.cfg').status, 404);
  assert.equal(curl('/../../etc/passwd').status, 404);
  assert.equal(curl('/%2e%2e/%2e%2e/etc/passwd').status, 404);
  assert.equal(curl('/healthz').status, 200);
});

test('device show reports the last contact, and events list every request', (t) => {
  if (!requirePeer(t, 'curl', 'curl')) return;
  curl('/0021f2000001.cfg');
  const shown = run(['device', 'show', '0021f2000001', '--json', '--data-dir', dir]);
  assert.equal(shown.code, 0, shown.err);
  const device = JSON.parse(shown.out);
  assert.equal(device.lastContact.file, '0021f2000001.cfg');
  assert.equal(device.lastContact.address, '127.0.0.1');
  assert.equal(device.lastContact.userAgent, UA);
  assert.ok(Date.parse(device.lastContact.at) > 0);
  assert.equal(device.reported.model, 'FIP14G');
  assert.doesNotMatch(shown.out, /s3cret/);
  const events = JSON.parse(
    run(['events', '--mac', '0021f2000001', '--json', '--data-dir', dir]).out,
  );
  assert.ok(events.length >= 8);
  assert.ok(
    events.every(
      (e: { mac: string; transport: string }) => e.mac === '0021f2000001' && e.transport === 'http',
    ),
  );
  assert.doesNotMatch(JSON.stringify(events), /s3cret/);
});

test('simulate plays the phone over HTTP and prints the settings it ends up with', () => {
  const sim = run(['simulate', '0021f2000001', '--vendor', 'flyingvoice', '--url', `${base}/`]);
  assert.equal(sim.code, 0, sim.err);
  assert.match(sim.out, /^account\.1\.user_name=1001$/m);
  assert.match(sim.out, /^account\.1\.sip_server_host=pbx\.example\.com$/m);
  const json = JSON.parse(
    run(['simulate', '0021f2000001', '--vendor', 'flyingvoice', '--url', `${base}/prov/`, '--json'])
      .out,
  );
  assert.equal(json.ok, true);
  assert.deepEqual(
    json.steps.map((s: { url: string }) => s.url.replace(base, '')),
    ['/prov/0021f2000001', '/prov/y000000000000.cfg', '/prov/0021f2000001.cfg'],
  );
  const nowhere = run([
    'simulate',
    '0021f2000001',
    '--vendor',
    'flyingvoice',
    '--url',
    'http://127.0.0.1:9/',
  ]);
  assert.notEqual(nowhere.code, 0);
});

test('the API wants the token; the OpenAPI document is public', async () => {
  assert.equal((await fetch(`${base}/api/v1/devices`)).status, 401);
  const doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as {
    openapi: string;
    paths: Record<string, unknown>;
  };
  assert.equal(doc.openapi, '3.1.0');
  assert.ok(doc.paths['/devices/{mac}']);
});

test('serve stops cleanly on SIGTERM and releases the data directory', async () => {
  assert.equal(await server.stop(), 0);
  const local = run(['device', 'list', '--data-dir', dir]);
  assert.equal(local.code, 0, local.err);
  assert.match(local.out, /0021f2000001/);
});
