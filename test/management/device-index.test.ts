import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DeviceIndex } from '../../src/management/device-index.ts';
import type { Device } from '../../src/model/device.ts';
import type { Mac } from '../../src/model/mac.ts';
import type { Store, StoreChange } from '../../src/store/store.ts';

/** The store calls the index makes, over devices held here; changes are announced by hand. */
function fakeStore(devices: Map<string, Device>): {
  store: Store;
  reads: { list: number; get: number };
  announce(key: string): void;
} {
  const reads = { list: 0, get: 0 };
  const listeners = new Set<(change: StoreChange) => void>();
  const store = {
    listDevices: async () => {
      reads.list++;
      return [...devices.values()];
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
  assert.equal((await index.select({ profile: 'default' })).length, 2);
  assert.deepEqual(
    (await index.select({ profile: 'office' })).map((d) => d.mac),
    ['001565000002'],
  );
  assert.equal(reads.list, 1);
  // Only what can decide a finding is kept: no password, no time zone.
  assert.deepEqual((await index.select({}))[0]!.settings, { 'accounts.1.user': '1001' });

  held.set('001565000003', device('001565000003', ['office']));
  held.delete('001565000001');
  announce('001565000003');
  announce('001565000001');
  assert.deepEqual((await index.select({})).map((d) => d.mac).sort(), [
    '001565000002',
    '001565000003',
  ]);
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
