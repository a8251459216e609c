import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { ProvisioningEvent } from '../../src/model/event.ts';
import { EventRecorder } from '../../src/provisioning/recorder.ts';
import type { ContactUpdate, Store } from '../../src/store/store.ts';

function event(i: number): ProvisioningEvent {
  return {
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i)).toISOString(),
    file: `${i}.cfg`,
    transport: 'http',
    address: '192.0.2.1',
    status: 200,
    bytes: 1,
    durationMs: 1,
  };
}

/** A store whose writes wait until the test lets them finish, as one on another thread does. */
function slowStore(): { store: Store; batches: number[]; finish: () => void } {
  const batches: number[] = [];
  let release: (() => void)[] = [];
  const store = {
    appendEvents(batch: readonly ProvisioningEvent[]): Promise<void> {
      batches.push(batch.length);
      return new Promise((resolve) => release.push(resolve));
    },
    recordContacts(_updates: readonly ContactUpdate[]): Promise<void> {
      return Promise.resolve();
    },
  } as unknown as Store;
  const finish = (): void => {
    const waiting = release;
    release = [];
    for (const resolve of waiting) resolve();
  };
  return { store, batches, finish };
}

async function settle(finish: () => void, until: Promise<void>): Promise<void> {
  let done = false;
  void until.then(() => {
    done = true;
  });
  while (!done) {
    finish();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('a flush writes what was buffered when it began; what arrives meanwhile waits for the next', async () => {
  const { store, batches, finish } = slowStore();
  const recorder = new EventRecorder(store, { flushIntervalMs: 60_000, batchSize: 500 });
  for (let i = 0; i < 3; i += 1) recorder.record(event(i));
  const first = recorder.flush();
  await new Promise((resolve) => setImmediate(resolve));
  // Requests keep coming while the store is busy with the first batch.
  for (let i = 3; i < 5; i += 1) recorder.record(event(i));
  await settle(finish, first);
  assert.deepEqual(batches, [3]);
  await settle(finish, recorder.flush());
  assert.deepEqual(batches, [3, 2]);
  await recorder.close();
});

test('a backlog larger than a batch is written in whole batches by one flush', async () => {
  const { store, batches, finish } = slowStore();
  const recorder = new EventRecorder(store, { flushIntervalMs: 60_000, batchSize: 500 });
  for (let i = 0; i < 1_200; i += 1) recorder.record(event(i));
  await settle(finish, recorder.flush());
  assert.deepEqual(batches, [500, 500, 200]);
  await recorder.close();
});
