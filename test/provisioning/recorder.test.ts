import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { Mac } from '../../src/model/mac.ts';
import type { ProvisioningEvent } from '../../src/model/event.ts';
import { EventRecorder, recordedText } from '../../src/provisioning/recorder.ts';
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

test('a contact with nothing new waits for the contact writes; one with news goes with the events', async () => {
  const written: { events: number[]; contacts: string[][] } = { events: [], contacts: [] };
  const store = {
    appendEvents: async (batch: readonly ProvisioningEvent[]) => {
      written.events.push(batch.length);
    },
    recordContacts: async (updates: readonly ContactUpdate[]) => {
      written.contacts.push(updates.map((u) => u.mac));
    },
  } as unknown as Store;
  const recorder = new EventRecorder(store, {
    flushIntervalMs: 60_000,
    contactIntervalMs: 60_000,
    batchSize: 2,
  });
  const contact = (mac: string): ContactUpdate => ({
    mac: mac as Mac,
    lastContact: {
      at: event(0).at,
      address: '192.0.2.1',
      file: 'f',
      transport: 'http',
      status: 200,
    },
  });
  const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  // A full batch of events goes out; the contact that reports nothing new stays.
  recorder.record(event(1), contact('001565000001'), false);
  recorder.record(event(2));
  await settled();
  assert.deepEqual(written, { events: [2], contacts: [] });

  // News (a model, a firmware) takes every waiting contact along with the next batch.
  recorder.record(event(3), { ...contact('001565000002'), reported: { firmware: '2' } }, true);
  recorder.record(event(4));
  await settled();
  assert.deepEqual(written, { events: [2, 2], contacts: [['001565000001', '001565000002']] });

  // An explicit flush (the API's, before it shows devices) writes everything.
  recorder.record(event(5), contact('001565000003'), false);
  await recorder.flush();
  assert.deepEqual(written.contacts.at(-1), ['001565000003']);
  await recorder.close();
});

test('recordedText: control characters percent-encoded, URL credentials masked, the rest as sent', () => {
  assert.equal(recordedText('/a\u0000b\r\n\u001f\u007f.cfg'), '/a%00b%0D%0A%1F%7F.cfg');
  assert.equal(recordedText('http://u:pw@h/\u0000'), 'http://****@h/%00');
  const asSent = 'Fanvil X4 2.4.1 0c383e000001 "é" 100%';
  assert.equal(recordedText(asSent), asSent);
});

test('when only the contacts fail, the events already stored are not written again', async () => {
  const stored: string[] = [];
  let contactsFail = true;
  const store = {
    appendEvents: async (batch: readonly ProvisioningEvent[]) => {
      stored.push(...batch.map((e) => e.file));
    },
    recordContacts: async () => {
      if (contactsFail) throw new Error('store unreachable');
    },
  } as unknown as Store;
  const errors: unknown[] = [];
  const recorder = new EventRecorder(store, {
    flushIntervalMs: 60_000,
    onError: (error) => errors.push(error),
  });
  const mac = '0015650000c1' as Mac;
  const contact = (i: number): ContactUpdate => ({
    mac,
    lastContact: {
      at: event(i).at,
      address: '192.0.2.1',
      file: `${i}.cfg`,
      transport: 'http',
      status: 200,
    },
  });
  recorder.record(event(1), contact(1));
  recorder.record(event(2), contact(2));
  await recorder.flush();
  assert.equal(errors.length, 1);
  contactsFail = false;
  await recorder.flush();
  assert.deepEqual(stored, ['1.cfg', '2.cfg']);
  await recorder.close();
});
