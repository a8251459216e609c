import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';

import fc from 'fast-check';

import { readPhoneHead } from '../../../src/transports/http/phone-head.ts';

const GET = 'GET /0021f2000001.cfg HTTP/1.1\r\nHost: x\r\n';

test('header values lose the spaces and tabs around them, and only those', () => {
  assert.equal(readPhoneHead(`${GET}User-Agent: \t Yealink  T46 \t `)?.userAgent, 'Yealink  T46');
  assert.equal(readPhoneHead(`${GET}User-Agent:Yealink`)?.userAgent, 'Yealink');
  assert.equal(readPhoneHead(`${GET}User-Agent: \t `)?.userAgent, '');
  assert.equal(readPhoneHead(`${GET}User-Agent: caf\xe9`)?.userAgent, 'caf\xe9');
  assert.equal(readPhoneHead(`${GET}User-Agent: a\x01`), undefined);
  assert.equal(readPhoneHead(`${GET}User-Agent : a`), undefined);
});

test('a long run of blanks before a control byte is refused at once (it backtracked for seconds)', () => {
  for (const blanks of [' '.repeat(16_000), ' \t'.repeat(8000)]) {
    const started = performance.now();
    assert.equal(readPhoneHead(`${GET}X-Forwarded-For:${blanks}\x01`), undefined);
    assert.equal(readPhoneHead(`${GET}X-Forwarded-For:${blanks}x${blanks}`)?.forwardedFor, 'x');
    assert.ok(performance.now() - started < 50, `${performance.now() - started} ms`);
  }
});

test('values read as the former expression read them, on short lines', () => {
  // eslint-disable-next-line no-control-regex
  const former = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([^\x00-\x08\x0a-\x1f\x7f]*?)[ \t]*$/;
  const unit = fc.constantFrom(' ', '\t', 'a', ':', '\x01', '\x7f', '\xe9', '\r', '-');
  fc.assert(
    fc.property(fc.string({ unit, maxLength: 24 }), (value) => {
      const line = `User-Agent:${value}`;
      if (line.includes('\r')) return;
      const want = former.exec(line)?.[2];
      const head = readPhoneHead(`${GET}${line}`);
      assert.equal(head === undefined ? undefined : head.userAgent, want);
    }),
    { seed: 7, numRuns: 3000 },
  );
});
