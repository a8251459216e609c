import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { requirePeer } from '../support/peer.ts';

const UNIT = fileURLToPath(new URL('../../contrib/plugndial.service', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/plugndial', import.meta.url));
const INSTALLED = '/usr/local/bin/plugndial';

/** The unit with ExecStart pointing at this checkout's command, which systemd wants to exist. */
function unitHere(dir: string): string {
  const text = readFileSync(UNIT, 'utf8');
  assert.ok(text.includes(`ExecStart=${INSTALLED} serve`), 'the unit runs the installed command');
  const path = join(dir, 'plugndial.service');
  writeFileSync(path, text.replaceAll(INSTALLED, BIN));
  return path;
}

test('systemd-analyze verify accepts contrib/plugndial.service without a warning', (t) => {
  if (!requirePeer(t, 'systemd-analyze', 'systemd')) return;
  const dir = mkdtempSync(join(tmpdir(), 'plugndial-unit-'));
  try {
    const verified = spawnSync('systemd-analyze', ['verify', unitHere(dir)], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(verified.status, 0, verified.stderr);
    // Unknown keys and bad values are warnings with exit 0: none may be there.
    assert.equal(verified.stderr.trim(), '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the unit runs as its own user with its state directory, the bind capability alone, and hardened', (t) => {
  if (!requirePeer(t, 'systemd-analyze', 'systemd')) return;
  const text = readFileSync(UNIT, 'utf8');
  const settings = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) settings.set(match[1]!, [...(settings.get(match[1]!) ?? []), match[2]!]);
  }
  const one = (key: string): string | undefined => settings.get(key)?.[0];
  assert.equal(one('User'), 'plugndial');
  assert.equal(one('StateDirectory'), 'plugndial');
  assert.equal(one('AmbientCapabilities'), 'CAP_NET_BIND_SERVICE');
  assert.equal(one('CapabilityBoundingSet'), 'CAP_NET_BIND_SERVICE');
  assert.equal(one('ProtectSystem'), 'strict');
  assert.equal(one('NoNewPrivileges'), 'yes');
  assert.match(
    one('ExecStart') ?? '',
    /serve --data-dir \/var\/lib\/plugndial --config \/etc\/plugndial\/config\.json$/,
  );
  assert.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID');
  // systemd must wait longer than serve's own drain (--stop-timeout, 30 s by default).
  assert.ok(Number(one('TimeoutStopSec')) > 30);

  const dir = mkdtempSync(join(tmpdir(), 'plugndial-unit-'));
  try {
    const rated = spawnSync(
      'systemd-analyze',
      ['security', '--offline=yes', '--no-pager', unitHere(dir)],
      { encoding: 'utf8', timeout: 60_000 },
    );
    const level = /Overall exposure level for plugndial\.service: ([\d.]+)/.exec(rated.stdout);
    assert.ok(level, rated.stdout + rated.stderr);
    // systemd's scale runs from 0 (locked down) to 10; up to 3.9 it calls a unit "OK".
    assert.ok(Number(level[1]) < 4, `exposure ${level[1]}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
