import assert from 'node:assert/strict';
import { test } from 'node:test';

import { LoopPoller } from '../src/loop-poller.ts';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('after a block goes out the loop keeps turning for the window, then sleeps again', async () => {
  let now = 0;
  const poller = new LoopPoller(1, () => now);
  assert.equal(poller.polling, false);
  poller.hold();
  assert.equal(poller.polling, true);
  for (let i = 0; i < 5; i += 1) await turn();
  assert.equal(poller.polling, true, 'still inside the window');
  now = 0.9;
  poller.hold(); // the next block moves the window on
  now = 1.5;
  await turn();
  await turn();
  assert.equal(poller.polling, true, 'the window restarted at the last block');
  now = 2;
  await turn();
  await turn();
  assert.equal(poller.polling, false);
});

test('a window of 0 never polls, and stop ends polling at the next turn', async () => {
  const off = new LoopPoller(0);
  off.hold();
  assert.equal(off.polling, false);
  const poller = new LoopPoller(60_000);
  poller.hold();
  poller.stop();
  await turn();
  await turn();
  assert.equal(poller.polling, false);
});
