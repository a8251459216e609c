import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { envName, SERVE_OPTIONS } from '../../src/config/options.ts';
import { selfSignedCertificate } from '../../src/crypto/x509.ts';
import { cli } from '../support/cli.ts';

const DOC = readFileSync(
  fileURLToPath(new URL('../../docs/configuration.md', import.meta.url)),
  'utf8',
);

/** The complete example: the one JSON block of the page. */
function example(): Record<string, unknown> {
  const block = /```json\n([\s\S]*?)\n```/.exec(DOC);
  assert.ok(block, 'docs/configuration.md has a JSON example');
  return JSON.parse(block[1]!) as Record<string, unknown>;
}

test('the example file has every key, and the table every key with its environment variable', () => {
  assert.deepEqual(Object.keys(example()).sort(), SERVE_OPTIONS.map((o) => o.name).sort());
  for (const option of SERVE_OPTIONS) {
    const row = new RegExp(
      `^\\| \`${option.name}\` \\| \`${envName(option.name)}\` \\| .* \\| (yes|no) \\|`,
      'm',
    );
    assert.match(DOC, row, option.name);
    assert.match(
      DOC,
      new RegExp(`\\| \`${option.name}\` .*\\| ${option.reloads ? 'yes' : 'no'} \\|`),
      `${option.name} reload`,
    );
  }
});

test('the example is a file serve accepts (with TLS files that exist)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plugndial-doc-'));
  const pair = selfSignedCertificate({
    commonName: 'prov.example.com',
    altNames: ['prov.example.com'],
    notBefore: new Date(Date.now() - 3_600_000),
    notAfter: new Date(Date.now() + 86_400_000),
  });
  writeFileSync(join(dir, 'server.pem'), pair.cert);
  writeFileSync(join(dir, 'server.key'), pair.key);
  const file = join(dir, 'config.json');
  writeFileSync(
    file,
    JSON.stringify({
      ...example(),
      'data-dir': join(dir, 'data'),
      'tls-cert': join(dir, 'server.pem'),
      'tls-key': join(dir, 'server.key'),
      'client-ca': [join(dir, 'server.pem')],
    }),
  );
  const checked = await cli('config', 'check', '--config', file);
  assert.equal(checked.code, 0, checked.err);
  assert.match(checked.out, /^database\s+postgres:\/\/\*\*\*\*@db\.example\/plugndial\s+file$/m);
});
