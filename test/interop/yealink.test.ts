import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { cli } from '../support/cli.ts';
import { tempDir } from '../support/harness.ts';
import { requirePeer } from '../support/peer.ts';
import { run, serve, type ServeProcess } from '../support/serve.ts';

// The real server process with its HTTP and TFTP doors; the phones played by `plugndial
// simulate`, by curl (HTTP, with PUT for what the phone writes back) and by tftp-hpa.
const BASE = '805ec0000077';
const DESK = '00156574b150';
const DESK_AGENT = 'Yealink SIP-T54W 96.86.0.70 00:15:65:74:b1:50';
let dir: string;
let server: ServeProcess;
let http: string;
let tftp: string;

before(async () => {
  dir = tempDir();
  server = await serve(
    ['--data-dir', dir, '--http', '127.0.0.1:0', '--tftp', '127.0.0.1:0', '--sip', 'off'],
    90_000,
  );
  http = `http://127.0.0.1:${server.ports['http']}`;
  tftp = `tftp://127.0.0.1:${server.ports['tftp']}`;
  for (const [model, version, bytes] of [
    ['W60B', '77.85.0.25', 'BASE-IMAGE'],
    ['W56H', '61.87.0.5', 'HANDSET-IMAGE'],
  ] as const) {
    const file = join(dir, `${model}-${version}.rom`);
    writeFileSync(file, bytes);
    const added = await cli(
      'firmware',
      'add',
      file,
      '--vendor',
      'yealink',
      '--model',
      model,
      '--version',
      version,
      '--data-dir',
      dir,
    );
    assert.equal(added.code, 0, added.err);
  }
  const base = await cli(
    'device',
    'add',
    BASE,
    '--vendor',
    'yealink',
    '--model',
    'W60B',
    ...['accounts.1.user=2001', 'accounts.1.registrar=pbx.example.com'].flatMap((s) => [
      '--set',
      s,
    ]),
    ...['handsets.1.name=Reception', 'handsets.1.accounts=1', 'handsets.2.name=Store'].flatMap(
      (s) => ['--set', s],
    ),
    ...['firmware.version=77.85.0.25', 'firmware.accessories=W56H=61.87.0.5'].flatMap((s) => [
      '--set',
      s,
    ]),
    '--data-dir',
    dir,
  );
  assert.equal(base.code, 0, base.err);
  const desk = await cli(
    'device',
    'add',
    DESK,
    '--vendor',
    'yealink',
    '--model',
    'T54W',
    '--set',
    'accounts.1.user=1001',
    '--set',
    'provisioning.uploads=store',
    '--set',
    'provisioning.upload_limit=2048',
    '--data-dir',
    dir,
  );
  assert.equal(desk.code, 0, desk.err);
});
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function simulate(mac: string, url: string, ...extra: string[]): { code: number | null; run: Run } {
  const result = run(['simulate', mac, '--vendor', 'yealink', '--url', url, '--json', ...extra]);
  assert.equal(result.code, 0, result.err);
  return { code: result.code, run: JSON.parse(result.out) as Run };
}

interface Run {
  ok: boolean;
  steps: { url: string; status: number; note?: string }[];
  settings: Record<string, string>;
}

for (const door of ['http', 'tftp'] as const) {
  test(`simulate over ${door}: a W60B base boots, installs its image and its handsets'`, () => {
    const root = door === 'http' ? http : tftp;
    const state = join(dir, `w60b-${door}.json`);
    const args = ['--model', 'W60B', '--firmware', '77.83.0.10', '--state', state];
    const first = simulate(BASE, `${root}/`, ...args).run;
    assert.equal(first.ok, true);
    assert.deepEqual(
      first.steps.map((s) => s.url),
      [
        `${root}/${BASE}.boot`,
        `${root}/y000000000077.cfg`,
        `${root}/${BASE}.cfg`,
        `${root}/firmware/yealink/W60B/77.85.0.25/W60B-77.85.0.25.rom`,
        `${root}/firmware/yealink/W56H/61.87.0.5/W56H-61.87.0.5.rom`,
      ],
    );
    assert.deepEqual(
      first.steps.slice(3).map((s) => [s.status, s.note]),
      [
        [200, 'installed'],
        [200, 'installed'],
      ],
    );
    assert.equal(first.settings['handset.1.name'], 'Reception');
    assert.equal(first.settings['handset.2.name'], 'Store');
    assert.equal(first.settings['handset.1.incoming_lines'], '1');
    // Booting again, the base has both images: it asks for neither.
    const again = simulate(BASE, `${root}/`, ...args).run;
    assert.equal(again.steps.length, 3);
    const memory = JSON.parse(readFileSync(state, 'utf8')) as Record<string, string>;
    assert.match(memory['firmware.w56h'] ?? '', /W56H-61\.87\.0\.5\.rom$/);
  });
}

test('simulate over HTTP: a T54W sends its local files back; the server keeps them and serves them', () => {
  const state = join(dir, 't54w.json');
  writeFileSync(
    state,
    JSON.stringify({ 'local.cfg': '#!version:1.0.0.1\nlinekey.2.label=Mine\n' }),
  );
  const first = simulate(DESK, `${http}/prov/`, '--model', 'T54W', '--state', state).run;
  assert.deepEqual(
    first.steps.filter((s) => s.note === 'uploaded').map((s) => s.url),
    [`${http}/prov/${DESK}-local.cfg`, `${http}/prov/${DESK}-contact.xml`],
  );
  const listed = run(['file', 'list', '--data-dir', dir]);
  assert.match(listed.out, new RegExp(`uploads/${DESK}/${DESK}-local\\.cfg`));
  const again = simulate(DESK, `${http}/prov/`, '--model', 'T54W', '--state', state).run;
  assert.ok(!again.steps.some((s) => s.note === 'uploaded'));
  assert.equal(again.settings['linekey.2.label'], 'Mine');
});

function curl(path: string, ...extra: string[]): { status: number; body: string } {
  const result = spawnSync(
    'curl',
    ['-s', '-A', DESK_AGENT, '-o', '-', '-w', '\n%{http_code}', ...extra, `${http}${path}`],
    { encoding: 'utf8', timeout: 10_000 },
  );
  const cut = result.stdout.lastIndexOf('\n');
  return { status: Number(result.stdout.slice(cut + 1)), body: result.stdout.slice(0, cut) };
}

test('curl as the phone: PUT its -local.cfg, read it back; too large or not its file is refused', (t) => {
  if (!requirePeer(t, 'curl', 'curl')) return;
  const local = '#!version:1.0.0.1\nlinekey.3.label=From curl\n';
  const body = join(dir, 'local.cfg');
  writeFileSync(body, local);
  assert.equal(curl(`/${DESK}-local.cfg`, '-T', body).status, 204);
  assert.deepEqual(curl(`/phones/${DESK}-local.cfg`), { status: 200, body: local });
  const contacts = '<?xml version="1.0" encoding="UTF-8"?>\n<root_contact>\n</root_contact>\n';
  writeFileSync(body, contacts);
  assert.equal(curl(`/${DESK.toUpperCase()}-contact.xml`, '-T', body).status, 204);
  assert.equal(curl(`/${DESK}-contact.xml`).body, contacts);
  // provisioning.upload_limit=2048 on this phone: a larger file is refused and nothing changes.
  writeFileSync(body, 'x'.repeat(4096));
  assert.equal(curl(`/${DESK}-local.cfg`, '-T', body).status, 413);
  assert.equal(curl(`/${DESK}-local.cfg`).body, local);
  assert.equal(curl(`/${DESK}.cfg`, '-T', body).status, 405);
  assert.equal(curl('/001565000999-local.cfg', '-T', body).status, 404);
});

test("tftp-hpa as the base: its boot file names its model's file, which is written in Yealink keys", (t) => {
  if (!requirePeer(t, 'tftp', 'tftp-hpa')) return;
  const get = (name: string): string => {
    const local = join(dir, `tftp-${name}`);
    const result = spawnSync(
      'tftp',
      ['127.0.0.1', String(server.ports['tftp']), '-m', 'binary', '-c', 'get', name, local],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(result.status, 0, result.stderr);
    return readFileSync(local, 'utf8');
  };
  assert.match(get(`${BASE}.boot`), /^include:config "y000000000077\.cfg"$/m);
  // No agent over TFTP: the number says W60B, the address's boot request says Yealink.
  const model = get('y000000000077.cfg');
  assert.match(model, /^static\.auto_provision\.repeat\.enable=1$/m);
  assert.doesNotMatch(model, /^auto_provision\./m);
  assert.match(get(`${BASE}.cfg`), /^handset\.1\.name=Reception$/m);
});
