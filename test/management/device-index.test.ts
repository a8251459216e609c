import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import type { CheckedGroup } from '../../src/management/check.ts';
import { DeviceIndex } from '../../src/management/device-index.ts';
import type { Device } from '../../src/model/device.ts';
import type { Mac } from '../../src/model/mac.ts';
import { openStore } from '../../src/store/open.ts';
import type { DeviceFilter, Store, StoreChange } from '../../src/store/store.ts';

/** The store calls the index makes, over devices held here; changes are announced by hand. */
function fakeStore(devices: Map<string, Device>): {
  store: Store;
  reads: { list: number; get: number };
  announce(key: string): void;
} {
  const reads = { list: 0, get: 0 };
  const listeners = new Set<(change: StoreChange) => void>();
  const store = {
    listDevices: async (filter: DeviceFilter = {}) => {
      reads.list++;
      const sorted = [...devices.values()].sort((a, b) => (a.mac < b.mac ? -1 : 1));
      const after = sorted.filter((d) => filter.after === undefined || d.mac > filter.after);
      return after.slice(0, filter.limit ?? after.length);
    },
    getDevice: async (mac: Mac) => {
      reads.get++;
      return devices.get(mac);
    },
    onChange: (listener: (change: StoreChange) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as Store;
  const announce = (key: string): void => {
    for (const listener of listeners) listener({ entity: 'device', key, generation: 1 });
  };
  return { store, reads, announce };
}

function macsOf(groups: readonly CheckedGroup[]): string[] {
  return groups.flatMap((g) => g.macs).sort();
}

function device(mac: string, profiles: string[] = []): Device {
  return {
    mac: mac as Mac,
    vendor: 'yealink',
    profiles,
    settings: {
      'accounts.1.user': '1001',
      'accounts.1.password': 's3cret',
      'time.timezone': 'UTC',
    },
    createdAt: '',
    updatedAt: '',
  };
}

test('the index reads every device once, then only the devices the change feed names', async () => {
  const held = new Map([
    ['001565000001', device('001565000001')],
    ['001565000002', device('001565000002', ['office'])],
  ]);
  const { store, reads, announce } = fakeStore(held);
  const index = new DeviceIndex(store);
  assert.equal(macsOf(await index.select({ profile: 'default' })).length, 2);
  assert.deepEqual(macsOf(await index.select({ profile: 'office' })), ['001565000002']);
  assert.equal(reads.list, 1);
  // Only what can decide a finding is kept: no password, no time zone, not even the user.
  assert.deepEqual((await index.select({}))[0]!.settings, { 'accounts.1.user': 'set' });

  held.set('001565000003', device('001565000003', ['office']));
  held.delete('001565000001');
  announce('001565000003');
  announce('001565000001');
  assert.deepEqual(macsOf(await index.select({})), ['001565000002', '001565000003']);
  assert.deepEqual([reads.list, reads.get], [1, 2]);

  // A change it cannot name (another node caught up) drops the index; so do many at once.
  announce('*');
  await index.select({});
  assert.equal(reads.list, 2);
  for (let i = 0; i < 501; i++) announce(`0015650${i.toString(16).padStart(5, '0')}`);
  await index.select({});
  assert.deepEqual([reads.list, reads.get], [3, 2]);

  index.close();
  announce('001565000002');
  await index.select({});
  assert.equal(reads.list, 4, 'closed: read again, not followed');
});

test('a full read goes a page at a time, and the event loop turns between pages', async () => {
  const held = new Map<string, Device>();
  for (let i = 0; i < 2500; i++) {
    const mac = `0015650${i.toString(16).padStart(5, '0')}`;
    held.set(mac, device(mac));
  }
  const { store } = fakeStore(held);
  const asked: (number | undefined)[] = [];
  const listDevices = store.listDevices.bind(store);
  store.listDevices = (filter) => {
    asked.push(filter?.limit);
    return listDevices(filter);
  };
  const index = new DeviceIndex(store, { pageSize: 1000 });
  let turns = 0;
  const tick = (): void => {
    turns++;
    if (!done) setImmediate(tick);
  };
  let done = false;
  setImmediate(tick);
  const kinds = await index.refresh();
  done = true;
  assert.deepEqual(asked, [1000, 1000, 1000]);
  assert.equal(macsOf(kinds).length, 2500);
  assert.ok(turns >= 2, `${turns} turns of the event loop during the read`);
  index.close();
});

test('50,000 devices of a few kinds: the index keeps the kinds once and 8 bytes a device', async () => {
  const store = await openStore({ memory: true });
  try {
    await store.insertProfile({
      name: 'office',
      settings: {},
      createdAt: '2026-01-02T03:04:05.678Z',
      updatedAt: '2026-01-02T03:04:05.678Z',
    });
    const models = ['T54W', 'T46U', 'T33G', 'T58A'];
    const fleet: Device[] = [];
    for (let i = 0; i < 50_000; i++) {
      fleet.push({
        ...device(`0015${i.toString(16).padStart(8, '0')}`, i % 3 ? ['office'] : []),
        model: models[i % 4]!,
        createdAt: '2026-01-02T03:04:05.678Z',
        updatedAt: '2026-01-02T03:04:05.678Z',
        settings: {
          'accounts.1.user': String(10_000 + i),
          'accounts.1.password': `pw-${i}`,
          'accounts.1.registrar': 'pbx.example.com',
        },
      });
    }
    for (let i = 0; i < fleet.length; i += 20_000)
      await store.insertDevices(fleet.slice(i, i + 20_000));
    fleet.length = 0;

    const gc = garbageCollector();
    const heap = (): number => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    const before = heap();
    const index = new DeviceIndex(store);
    const kinds = await index.refresh();
    const withIndex = heap() - before;
    assert.deepEqual(index.size(), { devices: 50_000, kinds: 8 });
    assert.equal(kinds.length, 8);

    // The same devices as the store hands them out, for scale.
    const held = await store.listDevices();
    const withDevices = heap() - before - withIndex;
    assert.equal(held.length, 50_000);
    assert.ok(
      withIndex < withDevices / 20,
      `index ${Math.round(withIndex / 1024)} KiB, the devices ${Math.round(withDevices / 1024)} KiB`,
    );
    index.close();
  } finally {
    await store.close();
  }
});

/** V8's collector, for heap figures that hold only what is reachable. */
function garbageCollector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
