import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MacList } from '../../src/management/mac-list.ts';
import type { Mac } from '../../src/model/mac.ts';

test('a MAC list keeps each MAC once, in order, whatever order they come in', () => {
  const list = new MacList();
  const macs = ['ffffffffffff', '000000000000', '0015650000a2', '0015650000a1', '7c2f80000001'];
  for (const mac of macs) list.add(mac as Mac);
  list.add('0015650000a1' as Mac);
  assert.equal(list.size, 5);
  assert.deepEqual(list.toMacs(), [...macs].sort());
  assert.equal(list.delete('0015650000a2' as Mac), true);
  assert.equal(list.delete('0015650000a2' as Mac), false);
  assert.equal(list.delete('0015650000a3' as Mac), false);
  assert.deepEqual(list.toMacs(), ['000000000000', '0015650000a1', '7c2f80000001', 'ffffffffffff']);

  // Past its first allocation, appended in order and in between.
  const many = new MacList();
  for (let i = 0; i < 1000; i += 2) many.add(i.toString(16).padStart(12, '0') as Mac);
  for (let i = 999; i > 0; i -= 2) many.add(i.toString(16).padStart(12, '0') as Mac);
  assert.equal(many.size, 1000);
  assert.deepEqual(
    many.toMacs(),
    Array.from({ length: 1000 }, (_, i) => i.toString(16).padStart(12, '0')),
  );
});
