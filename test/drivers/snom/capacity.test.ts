import assert from 'node:assert/strict';
import { test } from 'node:test';

import { snomDriver } from '../../../src/drivers/snom/index.ts';
import { MAC, context, recognised, renderText } from './helpers.ts';

const FILE = `${MAC.toUpperCase()}.xml`;

test('identities are idx 1–12: accounts.13 is not written, and the explanation says so', () => {
  const settings = {
    'accounts.12.user': '1012',
    'accounts.12.registrar': 'pbx.example.com',
    'accounts.13.user': '1013',
    'accounts.13.password': 's3cret',
    'accounts.13.registrar': 'pbx.example.com',
  };
  const xml = renderText(FILE, settings)!;
  assert.match(xml, /<user_name idx="12" perm="R">1012<\/user_name>/);
  assert.doesNotMatch(xml, /idx="13"/);
  const explained = snomDriver.explain(recognised(FILE), context(settings))!;
  for (const key of ['accounts.13.user', 'accounts.13.password', 'accounts.13.registrar'])
    assert.ok(explained.ignored.includes(key), key);
  assert.ok(!explained.ignored.includes('accounts.12.user'));
  assert.ok(explained.notes?.includes('accounts.13 not written: Snom phones have identities 1–12'));
});

test('a function key on identity 13 is not written; one on identity 12 is', () => {
  const settings = {
    'keys.1.type': 'line',
    'keys.1.account': 13,
    'keys.2.type': 'line',
    'keys.2.account': 12,
  };
  const xml = renderText(FILE, settings)!;
  assert.doesNotMatch(xml, /context="13"/);
  assert.match(xml, /<fkey idx="1" context="12"/);
  const explained = snomDriver.explain(recognised(FILE), context(settings))!;
  assert.ok(explained.ignored.includes('keys.1.type'));
  assert.ok(explained.ignored.includes('keys.1.account'));
  assert.ok(
    explained.notes?.includes(
      'keys.1 not written: its account 13 is not one of the identities 1–12',
    ),
  );
});
