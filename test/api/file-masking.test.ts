import assert from 'node:assert/strict';
import { test } from 'node:test';

import { bodyJson } from '../../src/api/serialize.ts';
import { ciscoDriver } from '../../src/drivers/cisco/index.ts';
import type { Explanation } from '../../src/drivers/driver.ts';

const explained = (key: string, from: string, value: string): Explanation => ({
  file: 'test',
  entries: [{ key, from, value }],
  ignored: [],
});

test('a password is masked in the form the driver wrote it: XML-escaped, $$, percent-encoded', () => {
  const xml = Buffer.from('<user_pass idx="1" perm="R">Pa&amp;ss&lt;w0rd&gt;"x</user_pass>\n');
  const masked = bodyJson(xml, explained('user_pass', 'accounts.1.password', 'Pa&ss<w0rd>"x'), {
    secrets: false,
  });
  assert.equal(masked, '<user_pass idx="1" perm="R">********</user_pass>\n');
  const cisco = Buffer.from('<Password_1_>a$$b$$cd</Password_1_>\n');
  // The forms a driver writes besides the format's own escaping come from the driver.
  const forms = ['a$b$cd', ...(ciscoDriver.writtenForms?.('a$b$cd') ?? [])];
  assert.doesNotMatch(bodyJson(cisco, undefined, { secrets: false }, forms), /a\$\$b/);
  const url = Buffer.from('url=https://u:p%40ss%2Fw@h/\n');
  assert.doesNotMatch(bodyJson(url, undefined, { secrets: false }, ['p@ss/w']), /p%40ss/);
  // Asked for: as written.
  assert.equal(bodyJson(xml, undefined, { secrets: true }, ['Pa&ss<w0rd>"x']), xml.toString());
});

test('a short password is masked where it stands as a value, not wherever its letters are', () => {
  const cfg = Buffer.from('account.1.enable=1\naccount.1.password=pw1\naccount.1.label=pw1x\n');
  assert.equal(
    bodyJson(cfg, explained('account.1.password', 'accounts.1.password', 'pw1'), {
      secrets: false,
    }),
    'account.1.enable=1\naccount.1.password=********\naccount.1.label=pw1x\n',
  );
});

test('with no explanation, the secrets the device holds are still masked', () => {
  const body = Buffer.from('P34=s3cr3t-value\nP35=other\n');
  assert.equal(
    bodyJson(body, undefined, { secrets: false }, ['s3cr3t-value']),
    'P34=********\nP35=other\n',
  );
});
