import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { CERT_FILE, KEY_FILE, TLS_DIR, tlsMaterial } from '../../src/config/tls-files.ts';
import { isPlugndialError } from '../../src/errors.ts';
import { tempDir } from '../support/harness.ts';

test('the certificate plugndial made for itself is made once, kept, and named when unreadable', () => {
  const dataDir = tempDir();
  try {
    const options = { dataDir, clientCaFiles: [], host: 'prov.example', now: new Date() };
    const made = tlsMaterial(options);
    assert.equal(made.created, true);
    const kept = tlsMaterial(options);
    assert.equal(kept.created, false);
    assert.deepEqual(kept.cert, made.cert);
    assert.deepEqual(readFileSync(join(dataDir, TLS_DIR, CERT_FILE)), made.cert);
    // Where the certificate should be, something it cannot read (a directory: EISDIR).
    rmSync(join(dataDir, TLS_DIR, CERT_FILE));
    mkdirSync(join(dataDir, TLS_DIR, CERT_FILE));
    assert.throws(
      () => tlsMaterial(options),
      (error: unknown) =>
        isPlugndialError(error) &&
        error.code === 'PND_TLS_FILE' &&
        /cannot read .*server\.crt \(EISDIR\), the certificate plugndial made/.test(error.message),
    );
    assert.ok(readFileSync(join(dataDir, TLS_DIR, KEY_FILE)).length > 0, 'the key is kept');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
