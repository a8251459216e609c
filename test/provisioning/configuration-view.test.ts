import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { Mac } from '../../src/model/mac.ts';
import { ConfigurationView } from '../../src/provisioning/configuration-view.ts';
import { GenerationCache } from '../../src/provisioning/generation-cache.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { device } from '../store/store-suite.ts';

/** The store, counting the reads the view makes of it. */
function counted(store: Store): { store: Store; reads: Record<string, number> } {
  const reads: Record<string, number> = { getDevice: 0, getContacts: 0, contactOwners: 0 };
  const wrapped = new Proxy(store, {
    get(target, name: string) {
      const member = (target as unknown as Record<string, unknown>)[name];
      if (typeof member !== 'function') return member;
      return (...args: unknown[]): unknown => {
        if (name in reads) reads[name]!++;
        return (member as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: wrapped, reads };
}

test('a phone whose owner has no contact list costs no contact lookup', async () => {
  const base = await openStore({ memory: true });
  try {
    await base.insertDevices([device('001565000001'), device('001565000002')]);
    const { store, reads } = counted(base);
    const view = new ConfigurationView(store);
    for (const mac of ['001565000001', '001565000002'])
      assert.equal(await view.contacts({ device: mac }), undefined);
    assert.equal(await view.contacts({ profile: 'default' }), undefined);
    assert.deepEqual([reads.contactOwners, reads.getContacts], [1, 0]);

    // A list is a configuration change: the next look knows the owner has one.
    await base.setContacts({ device: '001565000002' }, [{ name: 'Reception', office: '100' }]);
    assert.equal(await view.contacts({ device: '001565000001' }), undefined);
    assert.deepEqual(await view.contacts({ device: '001565000002' }), [
      { name: 'Reception', office: '100' },
    ]);
    assert.deepEqual([reads.contactOwners, reads.getContacts], [2, 1]);
  } finally {
    await base.close();
  }
});

test('past its bound the view forgets the device it read first, not every device', async () => {
  const base = await openStore({ memory: true });
  try {
    const macs = ['001565000001', '001565000002', '001565000003'] as Mac[];
    await base.insertDevices(macs.map((mac) => device(mac)));
    const { store, reads } = counted(base);
    const view = new ConfigurationView(store, 2);
    for (const mac of macs) await view.device(mac);
    assert.equal(reads.getDevice, 3);
    await view.device(macs[2]!);
    await view.device(macs[1]!);
    assert.equal(reads.getDevice, 3, 'the two newest are still held');
    await view.device(macs[0]!);
    assert.equal(reads.getDevice, 4, 'the oldest was forgotten');
  } finally {
    await base.close();
  }
});

test('a generation cache at its bound makes room by its oldest entry', () => {
  const cache = new GenerationCache<number>(3);
  for (let i = 0; i < 5; i++) cache.set(1, `k${i}`, i);
  assert.equal(cache.size, 3);
  assert.deepEqual(
    ['k0', 'k1', 'k2', 'k3', 'k4'].map((k) => cache.get(1, k)),
    [undefined, undefined, 2, 3, 4],
  );
  cache.set(2, 'k5', 5);
  assert.deepEqual([cache.size, cache.get(1, 'k4'), cache.get(2, 'k5')], [1, undefined, 5]);
});

test('a large bound makes room by its oldest eighth at once, and never holds more', () => {
  const cache = new GenerationCache<number>(64);
  let most = 0;
  for (let i = 0; i < 1000; i++) {
    cache.set(1, `k${i}`, i);
    most = Math.max(most, cache.size);
    assert.equal(cache.get(1, `k${i}`), i, 'what was just set stays');
  }
  assert.equal(most, 64);
  // Evictions came at k64, k72, … k992: the 64 newest are held, k936 to k999.
  assert.deepEqual([cache.size, cache.get(1, 'k935'), cache.get(1, 'k936')], [64, undefined, 936]);
  cache.set(1, 'k1000', 1000);
  assert.equal(cache.size, 57, 'eight made room for one');
  assert.equal(cache.get(1, 'k999'), 999);
});

test('what a phone reported is its device at once, cached or read again, until the store has surely caught up', async () => {
  const base = await openStore({ memory: true });
  try {
    const mac = '001565000001' as Mac;
    await base.insertDevices([device(mac, { reported: { model: 'T54W', firmware: '96.1' } })]);
    let now = 1_000_000;
    const view = new ConfigurationView(base, 10, () => now);
    const before = (await view.device(mac))!;
    view.reported(mac, { firmware: '96.2' });
    assert.equal(view.outdated(before), true, 'a device read before the report');
    const cached = (await view.device(mac))!;
    assert.deepEqual(cached.reported, { model: 'T54W', firmware: '96.2' });
    assert.equal(view.outdated(cached), false);
    // A configuration change empties the view; the report still holds on the fresh read.
    await base.updateDevice(mac, (d) => ({
      ...d,
      settings: { ...d.settings, 'accounts.1.user': '9' },
    }));
    assert.equal((await view.device(mac))?.reported?.firmware, '96.2');
    // A minute on, the store is what the device says (another node may have heard newer).
    now += 61_000;
    assert.equal(view.outdated(before), false);
  } finally {
    await base.close();
  }
});

test('a read under way when a report comes that then fails is not kept; a named or serial device carries the report too', async () => {
  const base = await openStore({ memory: true });
  try {
    const mac = '001565000002' as Mac;
    await base.insertDevices([
      device(mac, {
        settings: { 'provisioning.config_name': 'front' },
        reported: { firmware: '96.1', serial: 'SN42' },
      }),
    ]);
    let fail = true;
    let reads = 0;
    const flaky = Object.create(base) as Store;
    flaky.getDevice = async (m) => {
      reads += 1;
      if (fail) throw new Error('database went away');
      return base.getDevice(m);
    };
    flaky.listDevices = (query) => base.listDevices(query);
    flaky.listProfiles = () => base.listProfiles();
    flaky.deviceBySerial = (serial) => base.deviceBySerial(serial);
    flaky.generation = () => base.generation();
    const view = new ConfigurationView(flaky);
    const pending = view.device(mac);
    view.reported(mac, { firmware: '96.2' });
    await assert.rejects(pending);
    fail = false;
    assert.equal(
      (await view.device(mac))?.reported?.firmware,
      '96.2',
      'read again, not the failure',
    );
    assert.equal(reads, 2);
    const named = await view.named('front');
    assert.ok(named && 'device' in named);
    assert.equal(named.device.reported?.firmware, '96.2');
    assert.equal((await view.deviceBySerial('SN42'))?.reported?.firmware, '96.2');
  } finally {
    await base.close();
  }
});
