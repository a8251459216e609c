import assert from 'node:assert/strict';
import { test } from 'node:test';

import { validateContacts } from '../../src/model/contact.ts';

test('a contact name or group a screen or terminal would not show as written is refused', () => {
  assert.ok(validateContacts([{ name: 'Zoë Müller 東京', office: '100', group: 'Sales' }]).ok);
  for (const name of [
    'Bob\u0001',
    'Bob\u001b[2J',
    'Bo\u000bb',
    'a\u2028b',
    'evil\u202etxt',
    'x\ud800',
    'c1\u0085',
  ]) {
    const checked = validateContacts([{ name, office: '100' }]);
    assert.ok(!checked.ok, JSON.stringify(name));
    assert.match(checked.error.message, /printable/);
  }
  assert.ok(!validateContacts([{ name: 'Bob', office: '100', group: 'G\u0007' }]).ok);
});
