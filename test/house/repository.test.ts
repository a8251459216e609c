import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// A worktree may hold node_modules as a symlink to another checkout's install. The rule
// `node_modules/` matches only a directory, so `git add -A` once committed such a link, which
// then replaced the install it pointed to with a link to itself.
test('node_modules is never tracked, and is ignored as a directory or as a symlink', (t) => {
  const rules = readFileSync(join(ROOT, '.gitignore'), 'utf8').split('\n');
  assert.ok(
    rules.some((rule) => rule.trim() === 'node_modules' || rule.trim() === '/node_modules'),
    '.gitignore names node_modules without a trailing slash',
  );
  const tracked = spawnSync('git', ['-C', ROOT, 'ls-files', '--', 'node_modules'], {
    encoding: 'utf8',
  });
  if (tracked.status !== 0) {
    t.skip('not a git checkout');
    return;
  }
  assert.equal(tracked.stdout, '');
});
