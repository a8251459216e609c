import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { asPlugndialError, ERRORS, type ErrorCode } from '../../src/errors.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CODES = Object.keys(ERRORS) as ErrorCode[];

/** Every source file of src/ but the catalogue, as text. */
function sources(): string {
  const files = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter(
    (name) => name.endsWith('.ts') && name !== 'errors.ts',
  );
  return files.map((name) => readFileSync(join(ROOT, 'src', name), 'utf8')).join('\n');
}

test('every code of the catalogue is raised somewhere in src/', () => {
  const text = sources();
  const unused = CODES.filter((code) => !text.includes(`'${code}'`));
  assert.deepEqual(unused, [], `codes nothing raises: remove them or use them`);
});

test('every code is documented in docs/errors.md with its status, and nothing else is', () => {
  const doc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
  const rows = new Map<string, string[]>();
  for (const line of doc.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const code = /^`(PND_[A-Z_]+)`$/.exec(cells[1] ?? '')?.[1];
    if (code) rows.set(code, cells.slice(2, -1));
  }
  for (const code of CODES) {
    const row = rows.get(code);
    assert.ok(row, `docs/errors.md lacks ${code}`);
    assert.equal(Number(row[0]), ERRORS[code].status, `${code}: status in docs/errors.md`);
    assert.ok((row[2] ?? '').length > 10, `${code}: docs/errors.md says what to do`);
  }
  const stray = [...rows.keys()].filter((code) => !(code in ERRORS));
  assert.deepEqual(stray, [], 'docs/errors.md documents codes the catalogue does not have');
});

test('an unknown error is wrapped without its text, keeping only what kind of failure it was', () => {
  const secret = 'password=hunter2-s3cret';
  const plain = asPlugndialError(new Error(`connect failed for user:${secret}@db`));
  assert.equal(plain.code, 'PND_INTERNAL');
  assert.doesNotMatch(plain.message, /hunter2/);
  assert.match(plain.message, /\(Error\)/);
  const system = Object.assign(new Error(`write ${secret}`), { code: 'ENOSPC' });
  const wrapped = asPlugndialError(system);
  assert.match(wrapped.message, /\(ENOSPC\)/);
  assert.doesNotMatch(wrapped.message, /hunter2/);
  // A "code" that is free text is not a system code: it is not echoed either.
  const odd = asPlugndialError(Object.assign(new TypeError('x'), { code: `bad ${secret}` }));
  assert.match(odd.message, /\(TypeError\)/);
  assert.doesNotMatch(odd.message, /hunter2/);
  assert.doesNotMatch(asPlugndialError(secret).message, /hunter2/);
});
