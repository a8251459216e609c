import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ciscoDriver } from '../../../src/drivers/cisco/index.ts';
import type { Explanation, RenderContext } from '../../../src/drivers/driver.ts';
import type { Settings } from '../../../src/model/settings.ts';
import { ACCOUNT, MAC, SPA_MAC, context, recognised } from './helpers.ts';

function explain(
  settings: Settings,
  model: string,
  vendor: 'cisco' | 'cisco-spa' = 'cisco',
): Explanation {
  const base = context(settings, { vendor });
  const phone: RenderContext = { ...base, device: { ...base.device!, model } };
  return ciscoDriver.explain(recognised(`${vendor === 'cisco' ? MAC : SPA_MAC}.xml`), phone)!;
}

function names(explanation: Explanation): string[] {
  return explanation.entries.map((e) => e.key);
}

const LINE = (n: number): Settings => ({
  [`accounts.${n}.user`]: `3${n}`,
  [`accounts.${n}.registrar`]: 'pbx.example.com',
});

test('a CP-8841-3PCC has ten lines and ten line keys: line 11 and key 11 are not written, and said', () => {
  const settings = {
    ...ACCOUNT,
    ...LINE(10),
    ...LINE(11),
    'keys.10.type': 'blf',
    'keys.10.value': '310',
    'keys.11.type': 'blf',
    'keys.11.value': '311',
  };
  const explained = explain(settings, 'CP-8841-3PCC');
  assert.ok(names(explained).includes('Line_Enable_10_'));
  assert.ok(names(explained).includes('Extended_Function_10_'));
  assert.ok(!names(explained).some((k) => /_11_$/.test(k)), names(explained).join());
  for (const key of ['accounts.11.user', 'accounts.11.registrar', 'keys.11.type', 'keys.11.value'])
    assert.ok(explained.ignored.includes(key), key);
  assert.ok(explained.notes?.includes('accounts.11 not written: a CP-8841-3PCC has lines 1–10'));
  assert.ok(explained.notes?.includes('keys.11 not written: a CP-8841-3PCC has line keys 1–10'));
});

test('a SPA504G has four lines: line 5, key 5 and a key showing line 5 are left out', () => {
  const settings = {
    ...ACCOUNT,
    ...LINE(5),
    'keys.2.type': 'line',
    'keys.2.account': 5,
    'keys.4.type': 'speed_dial',
    'keys.4.value': '*97',
    'keys.5.type': 'speed_dial',
    'keys.5.value': '*98',
  };
  const explained = explain(settings, 'SPA504G', 'cisco-spa');
  assert.ok(!names(explained).some((k) => /_5_$/.test(k) || k === 'Extension_2_'));
  assert.ok(names(explained).includes('Extended_Function_4_'));
  for (const key of ['accounts.5.user', 'keys.2.type', 'keys.2.account', 'keys.5.type'])
    assert.ok(explained.ignored.includes(key), key);
  assert.ok(
    explained.notes?.includes(
      "keys.2 not written: its account 5 is not one of a SPA504G's lines 1–4",
    ),
  );
});

test("a model the table lacks gets its family's most (MPP 16): the CP-7841-3PCC's Extended_Function_40_ is not written", () => {
  const settings = {
    ...ACCOUNT,
    ...LINE(13),
    ...LINE(17),
    'keys.40.type': 'blf',
    'keys.40.value': '340',
  };
  const explained = explain(settings, 'CP-7841-3PCC');
  assert.ok(names(explained).includes('Line_Enable_13_'));
  assert.ok(!names(explained).includes('Line_Enable_17_'));
  assert.ok(!names(explained).includes('Extended_Function_40_'));
  assert.ok(explained.ignored.includes('accounts.17.user'));
  assert.ok(explained.ignored.includes('keys.40.type'));
  assert.ok(
    explained.notes?.some((n) =>
      n.startsWith(
        'keys.40 not written: a CP-7841-3PCC has line keys 1–16 (the most of its family',
      ),
    ),
  );
  // SPA: the SPA509G's 12 lines.
  const spa = explain({ ...ACCOUNT, ...LINE(12), ...LINE(13) }, 'SPA232D', 'cisco-spa');
  assert.ok(names(spa).includes('Line_Enable_12_'));
  assert.ok(spa.ignored.includes('accounts.13.user'));
});

test('the rendered profile carries what the explanation lists, and nothing past the phone', () => {
  const settings = { ...ACCOUNT, ...LINE(13), 'keys.40.type': 'blf', 'keys.40.value': '340' };
  const base = context(settings);
  const phone = { ...base, device: { ...base.device!, model: 'CP-8841-3PCC' } };
  const body = ciscoDriver.render(recognised(`${MAC}.xml`), phone)!.body.toString();
  assert.doesNotMatch(body, /Line_Enable_13_|Extended_Function_40_/);
  assert.match(body, /<Line_Enable_1_>Yes</);
});
