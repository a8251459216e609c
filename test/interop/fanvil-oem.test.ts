import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { cli } from '../support/cli.ts';
import { tempDir } from '../support/harness.ts';
import { serve, type ServeProcess } from '../support/serve.ts';

// A real server process; the CLI (in this process) manages it through its API and plays
// Fanvil and Plug-n-Dial phones against it over HTTP and TFTP.
const FANVIL = '0c383e07e16c';
const OEM = '00908f0a1b2c';
const CLASS = 'leadtek/LR8051S';
const KEY = 'c7fc19404e0b0bcc8885d31f2d8ff7e8e09f0e28c7fc19404e0b0bcc8885d31f';

let dir: string;
let server: ServeProcess;
let http: string;
let tftp: string;
let d: string[];

interface Run {
  ok: boolean;
  steps: { url: string; status: number; applied: boolean; note?: string }[];
  settings: Record<string, string>;
  memory: Record<string, string>;
}

async function ok(...args: string[]): Promise<string> {
  const result = await cli(...args, ...d);
  assert.equal(result.code, 0, `${args.join(' ')}\n${result.err}`);
  return result.out;
}

async function simulate(...args: string[]): Promise<Run> {
  const result = await cli('simulate', ...args, '--json');
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
    'off',
  ]);
  http = `http://127.0.0.1:${server.ports['http']}/`;
  tftp = `tftp://127.0.0.1:${server.ports['tftp']}/`;
  const files = tempDir();
  writeFileSync(join(files, 'x4.z'), Buffer.alloc(70_000, 0x42));
  writeFileSync(join(files, 'SIP_1.0_US_LDTK_AR15.rom'), Buffer.alloc(3000, 0x17));
  writeFileSync(
    join(files, 'contacts.csv'),
    'name,office,mobile\nReception,100,\n"Doe, John",101,+491701234567\n',
  );
  await ok('profile', 'add', 'default', '--set', 'firmware.version=AR15');
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
  await ok(
    'device',
    'add',
    OEM,
    '--vendor',
    'oem',
    '--model',
    CLASS,
    '--set',
    'accounts.1.registrar=proxy01.sipphone.com',
    '--set',
    'accounts.1.registrar_port=5060',
  );
  assert.match(
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
    ),
    /added fanvil X4 2\.12\.0\.1 as x4\.z \(70000 bytes/,
  );
  await ok(
    'firmware',
    'add',
    join(files, 'SIP_1.0_US_LDTK_AR15.rom'),
    '--vendor',
    'oem',
    '--model',
    CLASS,
    '--version',
    'AR15',
  );
  assert.match(
    await ok('phonebook', 'import', join(files, 'contacts.csv'), '--device', FANVIL),
    /stored 2 contacts/,
  );
  rmSync(files, { recursive: true, force: true });
});
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('firmware list shows the catalogue; a second add of the same version is refused', async () => {
  const list = await ok('firmware', 'list');
  assert.match(list, /^fanvil\s+X4\s+2\.12\.0\.1\s+x4\.z\s+70000/m);
  assert.match(list, /^oem\s+leadtek\/LR8051S\s+AR15\s+SIP_1\.0_US_LDTK_AR15\.rom\s+3000/m);
  const file = join(dir, 'again.z');
  writeFileSync(file, 'x'.repeat(600));
  const again = await cli(
    'firmware',
    'add',
    file,
    '--vendor',
    'fanvil',
    '--model',
    'X4',
    '--version',
    '2.12.0.1',
    ...d,
  );
  assert.equal(again.code, 2);
  assert.match(again.err, /already has fanvil X4 2\.12\.0\.1.*\[PND_FIRMWARE_EXISTS\]/);
  const shown = JSON.parse(await ok('phonebook', 'show', '--device', FANVIL, '--json'));
  assert.equal(shown.contacts.length, 2);
});

test('Fanvil over HTTP: general file, MAC file, image; a second run applies nothing and fetches no image', async () => {
  const state = join(dir, 'fanvil.json');
  const first = await simulate(
    FANVIL,
    '--vendor',
    'fanvil',
    '--model',
    'X4',
    '--url',
    http,
    '--state',
    state,
  );
  assert.equal(first.ok, true, JSON.stringify(first.steps, null, 1));
  assert.deepEqual(
    first.steps.map((s) => [new URL(s.url).pathname, s.status, s.applied]),
    [
      ['/f0X4hw1.100.cfg', 200, true],
      [`/${FANVIL}.cfg`, 200, true],
      ['/firmware/fanvil/X4/2.12.0.1/x4.z', 200, true],
    ],
  );
  assert.equal(first.settings['SIP1 Register Pswd'], 's3cret');
  assert.equal(first.settings['Auto Pbook Url'], `${http}${FANVIL}-contacts.vcf`);

  const second = await simulate(
    FANVIL,
    '--vendor',
    'fanvil',
    '--model',
    'X4',
    '--url',
    http,
    '--state',
    state,
  );
  assert.equal(second.ok, true);
  assert.deepEqual(
    second.steps.map((s) => s.applied),
    [false, false, false],
  );
  assert.match(second.steps[1]!.note!, /already applied/);
  assert.match(second.steps[2]!.note!, /already installed; not fetched/);

  // Running the target, the phone is not offered it at all.
  const current = await simulate(
    FANVIL,
    '--vendor',
    'fanvil',
    '--model',
    'X4',
    '--firmware',
    '2.12.0.1',
    '--url',
    http,
  );
  assert.equal(current.ok, true);
  assert.equal(current.steps.length, 2);
  assert.equal(current.settings['Auto Image Url'], undefined);
});

test('Fanvil over TFTP, and an encrypted file read with the key the phone holds', async () => {
  // The test before left the phone reporting 2.12.0.1. Back on its old firmware, it says so
  // over HTTP (TFTP carries no User-Agent), and over TFTP it is then offered the upgrade.
  const old = ['--vendor', 'fanvil', '--model', 'X4', '--firmware', '2.10.2.6887'];
  assert.equal((await simulate(FANVIL, ...old, '--url', http)).ok, true);
  const run = await simulate(FANVIL, '--vendor', 'fanvil', '--model', 'X4', '--url', tftp);
  assert.equal(run.ok, true, JSON.stringify(run.steps, null, 1));
  assert.deepEqual(
    run.steps.map((s) => [s.url.replace(tftp, ''), s.applied]),
    [
      ['f0X4hw1.100.cfg', true],
      [`${FANVIL}.cfg`, true],
      ['firmware/fanvil/X4/2.12.0.1/x4.z', true],
    ],
  );
  // A Fanvil phone holding a key takes every file for encrypted: the general one too.
  await ok(
    'profile',
    'set',
    'default',
    '--set',
    'security.config_encryption=true',
    '--set',
    `security.config_key=${KEY}`,
  );
  const sealed = await simulate(
    FANVIL,
    '--vendor',
    'fanvil',
    '--url',
    http,
    '--key',
    KEY,
    '--firmware',
    '2.12.0.1',
  );
  assert.equal(sealed.ok, true, JSON.stringify(sealed.steps, null, 1));
  assert.equal(sealed.settings['SIP1 Phone Number'], '1001');
  const noKey = await cli(
    'simulate',
    FANVIL,
    '--vendor',
    'fanvil',
    '--url',
    http,
    '--firmware',
    '2.12.0.1',
    '--json',
  );
  assert.equal(noKey.code, 1);
  await ok('profile', 'set', 'default', '--set', 'security.config_encryption=false');
});

test('Plug-n-Dial over HTTP and TFTP: app request, currentversion.txt, image', async () => {
  for (const url of [http, tftp]) {
    const run = await simulate(
      OEM,
      '--vendor',
      'oem',
      '--model',
      CLASS,
      '--firmware',
      'AR14',
      '--url',
      url,
    );
    assert.equal(run.ok, true, JSON.stringify(run.steps, null, 1));
    assert.equal(run.settings['sip_server'], 'proxy01.sipphone.com');
    assert.deepEqual(
      run.steps.map((s) => [s.status, s.applied]),
      [
        [200, true],
        [200, true],
        [200, true],
      ],
    );
    assert.match(run.steps[2]!.url, /firmware\/leadtek\/LR8051S\/SIP_1\.0_US_LDTK_AR15\.rom$/);
  }
  // A device that already runs AR15 gets no currentversion.txt and boots on.
  const current = await simulate(
    OEM,
    '--vendor',
    'oem',
    '--model',
    CLASS,
    '--firmware',
    'AR15',
    '--url',
    http,
  );
  assert.equal(current.ok, true);
  assert.equal(current.steps[1]!.status, 404);
});

test('events: one per request, secrets nowhere', async () => {
  const events = await ok('events', '--mac', FANVIL, '--json');
  assert.ok(JSON.parse(events).length >= 8);
  assert.doesNotMatch(events, /s3cret|c7fc1940/);
  const shown = await ok('device', 'show', FANVIL, '--json');
  assert.doesNotMatch(shown, /c7fc1940/);
});
