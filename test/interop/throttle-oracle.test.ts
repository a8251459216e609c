import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { tempDir } from '../support/harness.ts';
import { requirePeer } from '../support/peer.ts';
import { run, serve, type ServeProcess, httpOnly } from '../support/serve.ts';

// The miss throttle as an oracle: an attacker with one phone of its own asks for candidate
// MACs without credentials until its address is blocked, then fetches its own file. If a
// known MAC's refusal counted differently from an unknown one's, the block — and so the
// attacker's own fetch — would say which candidates are devices. curl is the client; each
// candidate is tried from an address of its own (127.0.0.0/8 is all loopback).

const OWN = '0021f2000c00';
const KNOWN = ['0021f2000c01', '0021f2000c02', '0021f2000c03', '0021f2000c04'];
const UNKNOWN = ['0021f2000d01', '0021f2000d02', '0021f2000d03', '0021f2000d04'];
const LIMIT = 5;
let dir: string;
let server: ServeProcess;
let base: string;
let ownPassword: string;

before(async () => {
  dir = tempDir();
  server = await serve([...httpOnly(dir), '--miss-limit', String(LIMIT)]);
  base = `http://127.0.0.1:${server.ports['http']}`;
  const policy = run([
    'profile',
    'set',
    'default',
    '--data-dir',
    dir,
    '--set',
    'provisioning.access=device-credentials',
    '--set',
    'provisioning.first_contact_window=0',
  ]);
  assert.equal(policy.code, 0, policy.err);
  const csv = join(dir, 'phones.csv');
  writeFileSync(
    csv,
    [
      'mac,vendor,accounts.1.user',
      ...[OWN, ...KNOWN].map((m, i) => `${m},flyingvoice,10${i}`),
    ].join('\n'),
  );
  const imported = run(['device', 'import', csv, '--data-dir', dir]);
  assert.equal(imported.code, 0, imported.err);
  const shown = run(['device', 'credentials', OWN, '--secrets', '--json', '--data-dir', dir]);
  assert.equal(shown.code, 0, shown.err);
  ownPassword = JSON.parse(shown.out).password;
});

after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** curl from `address`; resolves the HTTP status. */
function curl(
  address: string,
  path: string,
  user?: { name: string; password: string },
): Promise<number> {
  const args = [
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '--interface',
    address,
    '--max-time',
    '10',
  ];
  if (user) args.push('--digest', '-u', `${user.name}:${user.password}`);
  return new Promise((resolve, reject) => {
    execFile('curl', [...args, `${base}${path}`], (error, stdout) => {
      if (error) reject(error);
      else resolve(Number(stdout));
    });
  });
}

/** What an attacker learns about `candidate`: its own fetch's status after the probes. */
async function probe(
  candidate: string,
  address: string,
  guess: boolean,
): Promise<{ probes: number[]; own: number }> {
  const probes: number[] = [];
  for (let i = 0; i <= LIMIT; i += 1) {
    probes.push(
      await curl(
        address,
        `/${candidate}.cfg`,
        guess ? { name: candidate, password: 'guessed' } : undefined,
      ),
    );
  }
  const own = await curl(address, `/${OWN}.cfg`, { name: OWN, password: ownPassword });
  return { probes, own };
}

test('credential-less probes of known and unknown MACs leave the same trace', async (t) => {
  if (!requirePeer(t, 'curl', 'curl')) return;
  const known = [];
  const unknown = [];
  for (const [i, mac] of KNOWN.entries()) known.push(await probe(mac, `127.0.1.${10 + i}`, false));
  for (const [i, mac] of UNKNOWN.entries())
    unknown.push(await probe(mac, `127.0.1.${20 + i}`, false));
  t.diagnostic(
    `own fetch after probing: known ${known.map((r) => r.own)}, unknown ${unknown.map((r) => r.own)}`,
  );
  assert.deepEqual(known, unknown, 'every answer the same, known candidate or not');
  // And the phone of its own still gets its file: valid credentials pass the block.
  assert.ok(known.every((r) => r.own === 200));
  // The block is real for what proves nothing: one more credential-less probe is refused.
  assert.equal(await curl('127.0.1.10', `/${KNOWN[0]}.cfg`), 401);
  const shown = run(['events', '--security', '--json', '--data-dir', dir]);
  const blocked = (JSON.parse(shown.out) as { kind: string; address?: string }[]).filter(
    (e) => e.kind === 'address-blocked',
  );
  for (const address of ['127.0.1.10', '127.0.1.20']) {
    assert.ok(
      blocked.some((e) => e.address === address),
      `${address} blocked`,
    );
  }
});

test('password guesses for known and unknown MACs leave the same trace, and block everything', async (t) => {
  if (!requirePeer(t, 'curl', 'curl')) return;
  const known = [];
  const unknown = [];
  for (const [i, mac] of KNOWN.entries()) known.push(await probe(mac, `127.0.2.${10 + i}`, true));
  for (const [i, mac] of UNKNOWN.entries())
    unknown.push(await probe(mac, `127.0.2.${20 + i}`, true));
  assert.deepEqual(known, unknown);
  // Guessing passwords blocks the address whole: its valid credentials too, for a while.
  assert.ok(known.every((r) => r.own === 401));
  // A phone at another address is served meanwhile.
  assert.equal(await curl('127.0.3.1', `/${OWN}.cfg`, { name: OWN, password: ownPassword }), 200);
});
