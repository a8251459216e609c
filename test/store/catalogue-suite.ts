import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';

import { isPlugndialError } from '../../src/errors.ts';
import type { ContactOwner } from '../../src/model/contact.ts';
import type { Mac } from '../../src/model/mac.ts';
import type { Store, StoreChange } from '../../src/store/store.ts';
import { device, patternSha256, patternStream, profile } from './store-suite.ts';

async function sha256Of(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

function withCode(code: string, text?: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(isPlugndialError(error), `expected a PlugndialError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (text) assert.match(error.message, text);
    return true;
  };
}

const X4 = {
  vendor: 'fanvil',
  model: 'X4',
  version: '2.12.0.1',
  fileName: 'x4.z',
  contentType: 'application/octet-stream',
};

/** The firmware catalogue, contact lists and configured names, on every backend. */
export function defineCatalogueSuite(name: string, open: () => Promise<Store>): void {
  describe(`store catalogue: ${name}`, () => {
    let store: Store;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store?.close();
    });

    test('firmware: add, list, open without regard to model case, stream, remove', async () => {
      const size = 600_000;
      const heard: StoreChange[] = [];
      const stop = store.onChange((change) => heard.push(change));
      const start = store.generation();
      const image = await store.putFirmware(
        { ...X4, size, sha256: patternSha256(size) },
        patternStream(size),
      );
      stop();
      assert.equal(image.size, size);
      assert.equal(image.sha256, patternSha256(size));
      assert.equal(image.fileName, 'x4.z');
      assert.equal(store.generation(), start + 1);
      assert.deepEqual(heard, [
        { entity: 'firmware', key: 'fanvil/X4/2.12.0.1', generation: start + 1 },
      ]);
      assert.deepEqual(await store.listFirmware(), [image]);
      const handle = await store.openFirmware({
        vendor: 'fanvil',
        model: 'x4',
        version: '2.12.0.1',
      });
      assert.ok(handle);
      assert.deepEqual(await sha256Of(handle.stream()), { sha256: patternSha256(size), size });
      assert.equal(await store.openFirmware({ ...X4, version: '2.12.0.2' }), undefined);
      assert.equal(await store.openFirmware({ ...X4, vendor: 'yealink' }), undefined);

      await assert.rejects(
        store.putFirmware({ ...X4, model: 'x4' }, patternStream(10)),
        withCode('PND_FIRMWARE_EXISTS', /fanvil x4 2\.12\.0\.1/),
      );
      assert.equal(await store.removeFirmware({ ...X4, model: 'x4' }), true);
      assert.equal(await store.removeFirmware(X4), false);
      assert.deepEqual(await store.listFirmware(), []);
    });

    test('a truncated, corrupt or failing firmware upload leaves the catalogue as it was', async () => {
      const kept = await store.putFirmware({ ...X4, version: '1.0' }, patternStream(70_000));
      const generation = store.generation();
      await assert.rejects(
        store.putFirmware({ ...X4, version: '2.0', size: 300_000 }, patternStream(200_000)),
        withCode('PND_FIRMWARE_REFUSED', /200000 bytes but 300000/),
      );
      await assert.rejects(
        store.putFirmware(
          { ...X4, version: '2.0', sha256: patternSha256(1000) },
          patternStream(1001),
        ),
        withCode('PND_FIRMWARE_REFUSED', /corrupt/),
      );
      await assert.rejects(
        store.putFirmware({ ...X4, version: '2.0' }, patternStream(900_000, 100_000, 500_000)),
        /upload interrupted/,
      );
      // The same key again: the existing image wins and nothing else changes.
      await assert.rejects(
        store.putFirmware({ ...X4, version: '1.0' }, patternStream(5)),
        withCode('PND_FIRMWARE_EXISTS'),
      );
      assert.equal(store.generation(), generation);
      assert.deepEqual(await store.listFirmware(), [kept]);
      const handle = await store.openFirmware({ ...X4, version: '1.0' });
      assert.deepEqual(await sha256Of(handle!.stream()), {
        sha256: patternSha256(70_000),
        size: 70_000,
      });
      await store.removeFirmware({ ...X4, version: '1.0' });
    });

    test('contact lists: per profile and per device, replaced whole, removed with their owner', async () => {
      await store.insertProfile(profile('pb-office'));
      await store.insertDevices([device('0015657777a1')]);
      const start = store.generation();
      const list = await store.setContacts({ profile: 'pb-office' }, [
        { name: 'Reception', office: '100' },
        { name: 'Alice', office: '101', mobile: '+491701234567', group: 'Sales' },
      ]);
      assert.equal(list.contacts.length, 2);
      assert.equal(store.generation(), start + 1);
      await store.setContacts({ device: '0015657777a1' }, [{ name: 'Bob', other: '102' }]);
      assert.deepEqual((await store.getContacts({ device: '0015657777a1' }))?.contacts, [
        { name: 'Bob', other: '102' },
      ]);
      await store.setContacts({ profile: 'pb-office' }, [{ name: 'Only', office: '1' }]);
      assert.deepEqual((await store.getContacts({ profile: 'pb-office' }))?.contacts, [
        { name: 'Only', office: '1' },
      ]);
      const owners = (await store.listContacts()).map((l) => l.owner);
      assert.deepEqual(owners, [{ profile: 'pb-office' }, { device: '0015657777a1' }]);
      const byOwner = (a: ContactOwner, b: ContactOwner): number =>
        JSON.stringify(a) < JSON.stringify(b) ? -1 : 1;
      assert.deepEqual((await store.contactOwners()).sort(byOwner), [...owners].sort(byOwner));

      await assert.rejects(
        store.setContacts({ profile: 'nowhere' }, []),
        withCode('PND_PROFILE_NOT_FOUND'),
      );
      await assert.rejects(
        store.setContacts({ device: '0015657777ff' }, []),
        withCode('PND_DEVICE_NOT_FOUND'),
      );

      await store.removeDevice('0015657777a1' as Mac);
      assert.equal(await store.getContacts({ device: '0015657777a1' }), undefined);
      assert.equal(await store.removeContacts({ profile: 'pb-office' }), true);
      assert.equal(await store.removeContacts({ profile: 'pb-office' }), false);
      assert.equal(await store.getContacts({ profile: 'pb-office' }), undefined);
      await store.removeProfile('pb-office');
    });

    test('devices are found by their configured file name, without case or extension', async () => {
      await store.insertDevices([
        device('0015657777b1', { settings: { 'provisioning.config_name': 'Office.cfg' } }),
        device('0015657777b2', { settings: { 'provisioning.config_name': 'll' } }),
        device('0015657777b3'),
      ]);
      const named = async (name: string): Promise<string[]> =>
        (await store.listDevices({ configName: name })).map((d) => d.mac);
      assert.deepEqual(await named('office'), ['0015657777b1']);
      assert.deepEqual(await named('LL'), ['0015657777b2']);
      assert.deepEqual(await named('nobody'), []);
    });
  });
}
