import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { cli } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'plugndial-config-check-'));

test('config check prints every setting with its source, and masks the password in a URL', async () => {
  const file = join(dir, 'plugndial.json');
  writeFileSync(
    file,
    JSON.stringify({
      database: 'postgres://prov:db-password-1@db.example/plugndial',
      'miss-limit': 40,
      'sip-interface': ['eth0', 'eth1'],
    }),
  );
  process.env['PLUGNDIAL_LOG_LEVEL'] = 'debug';
  try {
    const checked = await cli('config', 'check', '--config', file, '--http', '8080');
    assert.equal(checked.code, 0, checked.err);
    assert.match(checked.out, new RegExp(`^configuration file: ${file}$`, 'm'));
    const row = (key: string): string[] | undefined =>
      checked.out
        .split('\n')
        .map((line) => line.trim().split(/\s{2,}/))
        .find((cells) => cells[0] === key);
    assert.deepEqual(row('http'), ['http', '8080', 'flag']);
    assert.deepEqual(row('log-level'), ['log-level', 'debug', 'environment']);
    assert.deepEqual(row('miss-limit'), ['miss-limit', '40', 'file']);
    assert.deepEqual(row('sip-interface'), ['sip-interface', 'eth0,eth1', 'file']);
    assert.deepEqual(row('database'), ['database', 'postgres://****@db.example/plugndial', 'file']);
    assert.deepEqual(row('tftp'), ['tftp', '69', 'default']);
    assert.deepEqual(row('tls-cert'), ['tls-cert', '(unset)', 'default']);
    // On a shared database a node unnamed is named after its host, as serve names it.
    assert.deepEqual(row('node'), ['node', hostname().slice(0, 253), 'default']);
    assert.doesNotMatch(checked.out, /db-password-1/);

    const json = await cli('config', 'check', '--config', file, '--json');
    const report = JSON.parse(json.out) as {
      settings: { key: string; value?: string; source: string }[];
    };
    assert.deepEqual(
      report.settings.find((s) => s.key === 'database'),
      { key: 'database', value: 'postgres://****@db.example/plugndial', source: 'file' },
    );
    assert.doesNotMatch(json.out, /db-password-1/);
  } finally {
    delete process.env['PLUGNDIAL_LOG_LEVEL'];
  }
});

test('a database password not percent-encoded (a space, / ? or #) is masked whole, never shown in part', async () => {
  for (const separator of [' ', '/', '?', '#', '@']) {
    const password = `sekrit${separator}qqtail`;
    const checked = await cli(
      'config',
      'check',
      '--database',
      `postgres://prov:${password}@db.example/x`,
      '--json',
    );
    assert.equal(checked.code, 0, checked.err);
    const report = JSON.parse(checked.out) as { settings: { key: string; value?: string }[] };
    assert.equal(
      report.settings.find((s) => s.key === 'database')?.value,
      'postgres://****@db.example/x',
      password,
    );
    assert.doesNotMatch(checked.out + checked.err, /sekrit|qqtail/, password);
  }
});

test('config check refuses an unknown key, a malformed value and an unreadable TLS file, naming each', async () => {
  const typo = join(dir, 'typo.json');
  writeFileSync(typo, '{"tls-crt": "/etc/ssl/x.pem"}');
  const unknown = await cli('config', 'check', '--config', typo);
  assert.equal(unknown.code, 2);
  assert.match(
    unknown.err,
    /unknown key "tls-crt" \(did you mean "tls-cert"\?\).*\[PND_CONFIG_UNKNOWN_KEY\]/,
  );

  const malformed = join(dir, 'malformed.json');
  writeFileSync(malformed, '{"http": "eighty"}');
  const bad = await cli('config', 'check', '--config', malformed);
  assert.equal(bad.code, 2);
  assert.match(
    bad.err,
    /config file .*malformed\.json, key "http": "eighty" is not a listen address.*\[PND_CONFIG\]/,
  );

  const missing = join(dir, 'no-such-key.pem');
  const tls = await cli('config', 'check', '--tls-cert', missing, '--tls-key', missing);
  assert.equal(tls.code, 2);
  assert.match(tls.err, /--tls-cert: cannot read .*no-such-key\.pem \(ENOENT\).*\[PND_TLS_FILE\]/);

  assert.equal((await cli('config', 'frobnicate')).code, 2);
});
