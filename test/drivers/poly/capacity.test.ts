import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { Explanation, RenderContext } from '../../../src/drivers/driver.ts';
import { polyDriver } from '../../../src/drivers/poly/index.ts';
import type { Settings } from '../../../src/model/settings.ts';
import { MAC, context, recognised } from './helpers.ts';

const FILE = `${MAC}-settings.cfg`;

function explain(settings: Settings, model: string): Explanation {
  const base = context(settings);
  const phone: RenderContext = { ...base, device: { ...base.device!, model } };
  return polyDriver.explain(recognised(FILE), phone)!;
}

function render(settings: Settings, model: string): string {
  const base = context(settings);
  return polyDriver
    .render(recognised(FILE), { ...base, device: { ...base.device!, model } })!
    .body.toString();
}

const REG = (n: number): Settings => ({
  [`accounts.${n}.user`]: `20${n}`,
  [`accounts.${n}.registrar`]: 'pbx.example.com',
});

test('a VVX150 has two registrations and two line keys: reg.3, reg.13 and key 3 are not written, and said', () => {
  const settings = {
    ...REG(1),
    ...REG(2),
    ...REG(3),
    ...REG(13),
    'keys.2.type': 'blf',
    'keys.2.value': '201',
    'keys.3.type': 'blf',
    'keys.3.value': '202',
  };
  const text = render(settings, 'VVX150');
  assert.match(text, /reg\.2\.address="202"/);
  assert.match(text, /attendant\.resourceList\.2\.address="201"/);
  assert.doesNotMatch(text, /reg\.(3|13)\.|attendant\.resourceList\.3\./);
  const explained = explain(settings, 'VVX150');
  for (const key of ['accounts.3.user', 'accounts.13.user', 'accounts.13.registrar', 'keys.3.type'])
    assert.ok(explained.ignored.includes(key), key);
  assert.ok(
    explained.notes?.includes(
      'accounts.3, accounts.13 not written: a VVX150 has registrations 1–2',
    ),
  );
  assert.ok(explained.notes?.includes('keys.3 not written: a VVX150 has line keys 1–2'));
});

test('a line key on a registration the phone lacks is not written', () => {
  const settings = { ...REG(1), 'keys.1.type': 'line', 'keys.1.account': 5 };
  const explained = explain(settings, 'VVX250');
  assert.ok(!explained.entries.some((e) => e.key.startsWith('lineKey.')));
  assert.ok(explained.ignored.includes('keys.1.account'));
  assert.ok(
    explained.notes?.includes(
      "keys.1 not written: its account 5 is not one of a VVX250's registrations 1–4",
    ),
  );
});

test("the SoundPoint IP guides' registrations; Trio and models the table lacks get the family's 34", () => {
  const two = explain({ ...REG(2), ...REG(3) }, 'SPIP_430');
  assert.ok(two.entries.some((e) => e.key === 'reg.2.address'));
  assert.ok(two.ignored.includes('accounts.3.user'));
  const vvx = explain({ ...REG(12), ...REG(34), ...REG(35) }, 'VVX450');
  assert.ok(vvx.entries.some((e) => e.key === 'reg.34.address'));
  assert.ok(vvx.ignored.includes('accounts.35.user'));
  const trio = explain({ ...REG(34), ...REG(35) }, 'Trio8800');
  assert.ok(trio.entries.some((e) => e.key === 'reg.34.address'));
  assert.ok(
    trio.notes?.some((n) =>
      n.startsWith(
        'accounts.35 not written: a Trio8800 has registrations 1–34 (the most of its family',
      ),
    ),
  );
});
