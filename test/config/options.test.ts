import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  envName,
  readConfigFile,
  resolveOptions,
  SERVE_OPTIONS,
} from '../../src/config/options.ts';
import { loadServerConfig } from '../../src/config/server-config.ts';
import { maskUserinfo } from '../../src/redact.ts';
import { isPlugndialError } from '../../src/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'plugndial-options-'));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function refusal(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    assert.ok(isPlugndialError(error), String(error));
    return { code: error.code, message: error.message };
  }
  assert.fail('expected a refusal');
}

test('every serve setting has a file key and an environment variable of the same name', () => {
  const names = SERVE_OPTIONS.map((o) => o.name);
  assert.equal(new Set(names).size, names.length);
  for (const name of [
    'http',
    'tls-cert',
    'log-level',
    'metrics-public',
    'stop-timeout',
    'ftp-sessions',
  ])
    assert.ok(names.includes(name), name);
  assert.equal(envName('tftp-ack-poll'), 'PLUGNDIAL_TFTP_ACK_POLL');
});

test('flags win over the environment, the environment over the file, the file over the default', () => {
  const config = file(
    'layers.json',
    JSON.stringify({
      http: '8080',
      tftp: 6969,
      sip: 'off',
      'log-level': 'warn',
      'client-ca': ['a.pem', 'b.pem'],
    }),
  );
  const resolved = resolveOptions({
    flags: { config, http: '9090' },
    env: { PLUGNDIAL_TFTP: '7070' },
  });
  const at = (name: string): unknown => resolved.values.get(name);
  assert.deepEqual(at('http'), { value: '9090', source: 'flag' });
  assert.deepEqual(at('tftp'), { value: '7070', source: 'environment' });
  assert.deepEqual(at('sip'), { value: 'off', source: 'file' });
  assert.deepEqual(at('client-ca'), { value: 'a.pem,b.pem', source: 'file' });
  assert.deepEqual(at('acs'), { value: '7547', source: 'default' });
  assert.deepEqual(at('tls-cert'), { value: undefined, source: 'default' });
  assert.equal(resolved.file, config);
  const loaded = loadServerConfig({ flags: { config }, env: {} });
  assert.equal(loaded.log?.level, 'warn');
  assert.deepEqual(loaded.security?.tls.clientCaFiles, ['a.pem', 'b.pem']);
  assert.equal(loaded.metricsPublic, false);
  assert.equal(loaded.stopTimeoutMs, 30_000);
});

test('an unknown key is refused with its name and the nearest known one', () => {
  const path = file('typo.json', JSON.stringify({ htp: '8080' }));
  const { code, message } = refusal(() => readConfigFile(path));
  assert.equal(code, 'PND_CONFIG_UNKNOWN_KEY');
  assert.match(
    message,
    new RegExp(`config file ${path}: unknown key "htp" \\(did you mean "http"\\?\\)`),
  );
  const far = refusal(() => readConfigFile(file('far.json', '{"colour": "blue"}')));
  assert.doesNotMatch(far.message, /did you mean/);
});

test('a value of the wrong shape, or one that does not parse, is refused naming where it came from', () => {
  const nested = refusal(() => readConfigFile(file('nested.json', '{"http": {"port": 80}}')));
  assert.equal(nested.code, 'PND_CONFIG');
  assert.match(nested.message, /key "http": expected a string or a number/);
  assert.match(
    refusal(() => readConfigFile(file('bool.json', '{"metrics-public": "yes"}'))).message,
    /key "metrics-public": expected true or false/,
  );
  const fromFile = file('limit.json', '{"miss-limit": "lots"}');
  assert.match(
    refusal(() => loadServerConfig({ flags: { config: fromFile }, env: {} })).message,
    new RegExp(`^config file ${fromFile}, key "miss-limit": expected a whole number`),
  );
  assert.match(
    refusal(() => loadServerConfig({ flags: {}, env: { PLUGNDIAL_LOG_LEVEL: 'loud' } })).message,
    /^PLUGNDIAL_LOG_LEVEL: expected one of error, warn, info, debug/,
  );
  assert.match(
    refusal(() => loadServerConfig({ flags: { 'log-format': 'xml' }, env: {} })).message,
    /^--log-format: expected json or text/,
  );
  assert.match(
    refusal(() => loadServerConfig({ flags: { 'stop-timeout': '-1' }, env: {} })).message,
    /^--stop-timeout: expected a whole number from 0 to 3600/,
  );
});

test('a file that is not JSON, not an object or not there is refused without quoting it', () => {
  const secret = 'hunter2-in-the-file';
  const broken = file(
    'broken.json',
    `{\n  "database": "postgres://u:${secret}@db/x",\n  "http": }`,
  );
  const bad = refusal(() => readConfigFile(broken));
  assert.equal(bad.code, 'PND_CONFIG_FILE');
  assert.match(bad.message, /is not valid JSON/);
  assert.doesNotMatch(bad.message, new RegExp(secret));
  assert.match(
    refusal(() => readConfigFile(file('list.json', '[]'))).message,
    /expected one JSON object/,
  );
  const missing = refusal(() => readConfigFile(join(dir, 'nowhere.json')));
  assert.equal(missing.code, 'PND_CONFIG_FILE');
  assert.match(missing.message, /cannot read config file .*nowhere\.json \(ENOENT\)/);
});

test('passwords in URLs are masked wherever a value is shown or refused', () => {
  assert.equal(
    maskUserinfo('postgres://prov:s3cret@db.example/plugndial'),
    'postgres://****@db.example/plugndial',
  );
  assert.equal(maskUserinfo('postgres://db.example/plugndial'), 'postgres://db.example/plugndial');
  const refused = refusal(() =>
    loadServerConfig({ flags: { 'public-url': 'gopher://u:pw-in-url@x' }, env: {} }),
  );
  assert.doesNotMatch(refused.message, /pw-in-url/);
});
