import assert from 'node:assert/strict';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { adminToken, TOKEN_FILE } from '../../src/config/data-dir.ts';
import { tempDir } from '../support/harness.ts';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = tempDir('pnd-data-dir-');
  dirs.push(dir);
  return dir;
}

test('the admin token is made once, owner-readable only, and kept', () => {
  const dir = dataDir();
  const first = adminToken(dir);
  assert.equal(first.created, true);
  assert.match(first.token, /^[A-Za-z0-9_-]{32}$/);
  assert.equal(statSync(first.path).mode & 0o777, 0o600);
  const again = adminToken(dir);
  assert.deepEqual(again, { ...first, created: false });
  // Nothing was left aside.
  assert.deepEqual(readdirSync(dir), [TOKEN_FILE]);
});

test('an empty token file, as a start killed while writing it left, is made again', () => {
  const dir = dataDir();
  writeFileSync(join(dir, TOKEN_FILE), '', { mode: 0o600 });
  const made = adminToken(dir);
  assert.equal(made.created, true);
  assert.match(made.token, /^[A-Za-z0-9_-]{32}$/);
  assert.equal(adminToken(dir).token, made.token);
});
