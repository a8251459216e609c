import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseGsXml } from '../../../src/drivers/grandstream/format.ts';
import { grandstreamDriver } from '../../../src/drivers/grandstream/index.ts';
import type { Settings } from '../../../src/model/settings.ts';
import { ACCOUNT, MAC, context, recognised, renderText } from './helpers.ts';

function items(text: string): string[] {
  const parsed = parseGsXml(text);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
  return [...parsed.value.values.keys()];
}

const ACCOUNT_N = (n: number): Settings => ({
  [`accounts.${n}.user`]: `20${n}`,
  [`accounts.${n}.registrar`]: 'pbx.example.com',
});

test('a GXP2130 has three accounts and twelve keys: account.13 and pks.vpk.13 are not written, and said', () => {
  const settings = {
    ...ACCOUNT,
    ...ACCOUNT_N(3),
    ...ACCOUNT_N(4),
    ...ACCOUNT_N(13),
    'keys.12.type': 'blf',
    'keys.12.value': '212',
    'keys.13.type': 'blf',
    'keys.13.value': '213',
  };
  const written = items(renderText(`cfg${MAC}.xml`, settings)!);
  assert.ok(written.includes('account.3.enable'));
  assert.ok(written.includes('pks.vpk.12.keyMode'));
  assert.ok(!written.some((k) => /^account\.(4|13)\.|^pks\.vpk\.13\./.test(k)), written.join());
  const explained = grandstreamDriver.explain(recognised(`cfg${MAC}.xml`), context(settings))!;
  for (const key of [
    'accounts.4.user',
    'accounts.13.user',
    'accounts.13.registrar',
    'keys.13.type',
  ])
    assert.ok(explained.ignored.includes(key), key);
  assert.ok(
    explained.notes?.includes('accounts.4, accounts.13 not written: a GXP2130 has accounts 1–3'),
  );
  assert.ok(explained.notes?.includes('keys.13 not written: a GXP2130 has line keys 1–12'));
});

test('a key on an account the phone lacks is not written', () => {
  const settings = {
    ...ACCOUNT,
    'keys.4.type': 'line',
    'keys.4.account': 4,
    'keys.5.type': 'line',
    'keys.5.account': 3,
  };
  const written = items(renderText(`cfg${MAC}.xml`, settings)!);
  assert.ok(!written.some((k) => k.startsWith('pks.vpk.4.')));
  assert.ok(written.includes('pks.vpk.5.account'));
  const explained = grandstreamDriver.explain(recognised(`cfg${MAC}.xml`), context(settings))!;
  assert.ok(explained.ignored.includes('keys.4.account'));
  assert.ok(
    explained.notes?.includes(
      "keys.4 not written: its account 4 is not one of a GXP2130's accounts 1–3",
    ),
  );
});

test("a model the table lacks gets the family's most: 12 accounts and 48 keys", () => {
  const settings = { ...ACCOUNT, ...ACCOUNT_N(12), ...ACCOUNT_N(13), 'keys.49.type': 'blf' };
  const explained = grandstreamDriver.explain(
    recognised(`cfg${MAC}.xml`),
    context(settings, { model: 'GRP2614' }),
  )!;
  const names = explained.entries.map((e) => e.key);
  assert.ok(names.includes('account.12.enable'));
  assert.ok(!names.includes('account.13.enable'));
  assert.ok(explained.ignored.includes('keys.49.type'));
  assert.ok(
    explained.notes?.some((n) =>
      n.startsWith('accounts.13 not written: a GRP2614 has accounts 1–12 (the most of its family'),
    ),
  );
  // The model file of a phone that is not a device yet: the model its name says.
  const model = grandstreamDriver.explain(
    recognised('cfggxp2140.xml'),
    context({ ...ACCOUNT_N(5) }, { withDevice: false }),
  )!;
  assert.ok(model.ignored.includes('accounts.5.user'));
  assert.ok(model.notes?.includes('accounts.5 not written: a GXP2140 has accounts 1–4'));
});
