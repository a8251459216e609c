import assert from 'node:assert/strict';
import { test } from 'node:test';

import { RefusalTally } from '../../src/api/refusal-tally.ts';

test('the first refusal of an address each minute is recorded; the next one counts those between', () => {
  const tally = new RefusalTally();
  assert.deepEqual(tally.refused('192.0.2.1', 0), {});
  for (let i = 1; i <= 41; i++) assert.equal(tally.refused('192.0.2.1', i * 1000), undefined);
  // Another address is a burst of its own.
  assert.deepEqual(tally.refused('192.0.2.2', 5000), {});
  assert.deepEqual(tally.refused('192.0.2.1', 60_000), {
    detail: '41 more refused from this address in the minute before',
  });
  assert.equal(tally.refused('192.0.2.1', 60_001), undefined);
  assert.deepEqual(tally.refused('192.0.2.1', 130_000), {
    detail: '1 more refused from this address in the minute before',
  });
});
