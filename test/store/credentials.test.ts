import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { generateCredentials } from '../../src/model/credentials.ts';
import type { Mac } from '../../src/model/mac.ts';
import { appendSecurityEvents } from '../../src/store/credentials.ts';
import { migrate } from '../../src/store/migrations.ts';
import { openStore } from '../../src/store/open.ts';
import { openSqliteClient } from '../../src/store/sqlite-client.ts';
import type { Store } from '../../src/store/store.ts';
import { startPostgres, type TestPostgres, withPostgres } from '../support/postgres.ts';
import { device } from './store-suite.ts';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const T0 = new Date('2026-03-01T10:00:00.000Z');

/** Migration 5's device credentials, first contact and security events, on both backends. */
function defineCredentialsSuite(name: string, open: () => Promise<Store>): void {
  describe(`device credentials and security events: ${name}`, () => {
    let store: Store;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store?.close();
    });

    test('credentials are created once, for devices only, without a configuration change', async () => {
      const mac = '0015657733a1' as Mac;
      await store.insertDevices([device(mac)]);
      const generation = store.generation();
      assert.equal(await store.deviceCredentials(mac), undefined);
      const first = await store.ensureDeviceCredentials(mac, generateCredentials(mac), T0);
      assert.ok(first);
      assert.equal(first.username, mac);
      assert.equal(first.password.length, 24);
      assert.deepEqual(first.firstContact, {});
      assert.equal(first.rotatedAt, T0.toISOString());
      // A second node racing for the same device gets the same credentials.
      const again = await store.ensureDeviceCredentials(mac, generateCredentials(mac), T0);
      assert.deepEqual(again, first);
      assert.equal(
        await store.ensureDeviceCredentials('0015657733ff' as Mac, generateCredentials(mac), T0),
        undefined,
      );
      assert.equal(store.generation(), generation);
    });

    test('first contact is stamped once when opened and once when closed', async () => {
      const mac = '0015657733a2' as Mac;
      await store.insertDevices([device(mac)]);
      await store.ensureDeviceCredentials(mac, generateCredentials(mac), T0);
      const t1 = new Date(T0.getTime() + 1000);
      const t2 = new Date(T0.getTime() + 2000);
      assert.deepEqual((await store.markFirstContact(mac, 'opened', t1))?.firstContact, {
        openedAt: t1.toISOString(),
      });
      await store.markFirstContact(mac, 'opened', t2);
      const closed = await store.markFirstContact(mac, 'closed', t2);
      assert.deepEqual(closed?.firstContact, {
        openedAt: t1.toISOString(),
        closedAt: t2.toISOString(),
      });
      assert.equal(await store.markFirstContact('0015657733fe' as Mac, 'closed', t2), undefined);
    });

    test('rotation keeps the old password for the grace period and is a configuration change', async () => {
      const mac = '0015657733a3' as Mac;
      await store.insertDevices([device(mac)]);
      const first = await store.ensureDeviceCredentials(mac, generateCredentials(mac), T0);
      await store.markFirstContact(mac, 'closed', T0);
      const generation = store.generation();
      const until = new Date(T0.getTime() + 86_400_000);
      const rotated = await store.rotateDeviceCredentials(mac, generateCredentials(mac), {
        graceUntil: until,
        reopen: false,
      });
      assert.equal(store.generation(), generation + 1);
      assert.notEqual(rotated.password, first!.password);
      assert.equal(rotated.previousPassword, first!.password);
      assert.equal(rotated.previousUntil, until.toISOString());
      assert.equal(rotated.firstContact.closedAt, T0.toISOString(), 'the window stays closed');
      const reopened = await store.rotateDeviceCredentials(mac, generateCredentials(mac), {
        reopen: true,
      });
      assert.equal(reopened.previousPassword, undefined, 'no grace: the old one ends at once');
      assert.deepEqual(reopened.firstContact, {});
      await assert.rejects(
        store.rotateDeviceCredentials('0015657733fd' as Mac, generateCredentials(mac), {
          reopen: false,
        }),
        { code: 'PND_DEVICE_NOT_FOUND' },
      );
      await store.removeDevice(mac);
      assert.equal(await store.deviceCredentials(mac), undefined, 'removed with its device');
    });

    test('a rotation and its security event are one change: both, or neither', async () => {
      const mac = '0015657733c4' as Mac;
      await store.insertDevices([device(mac)]);
      const event = {
        at: T0.toISOString(),
        kind: 'credentials-rotated' as const,
        mac,
        detail: 'old password accepted for 60 s',
      };
      await store.rotateDeviceCredentials(mac, generateCredentials(mac), {
        reopen: false,
        graceUntil: new Date(T0.getTime() + 60_000),
        event,
      });
      const told = await store.querySecurityEvents({ mac });
      assert.deepEqual(
        told.map((e) => [e.kind, e.detail]),
        [['credentials-rotated', 'old password accepted for 60 s']],
      );
      const stranger = '0015657733c5' as Mac;
      await assert.rejects(
        store.rotateDeviceCredentials(stranger, generateCredentials(stranger), {
          reopen: false,
          event: { ...event, mac: stranger },
        }),
        { code: 'PND_DEVICE_NOT_FOUND' },
      );
      assert.deepEqual(
        await store.querySecurityEvents({ mac: stranger }),
        [],
        'nothing rotated, nothing told',
      );
    });

    test('the access policies devices and profiles set are listed once each', async () => {
      const before = await store.accessPoliciesInUse();
      assert.equal(before.includes('device-credentials'), false);
      await store.insertDevices([
        device('0015657733b1', { settings: { 'provisioning.access': 'device-credentials' } }),
        device('0015657733b2', { settings: { 'provisioning.access': 'device-credentials' } }),
      ]);
      const after = await store.accessPoliciesInUse();
      assert.deepEqual(
        after.filter((p) => p === 'device-credentials'),
        ['device-credentials'],
      );
    });

    test('security events: newest first, by MAC, never more than asked', async () => {
      await store.appendSecurityEvents([
        { at: '2026-03-01T10:00:00.000Z', kind: 'address-blocked', address: '192.0.2.9' },
        {
          at: '2026-03-01T10:00:01.000Z',
          kind: 'first-contact-opened',
          address: '192.0.2.10',
          mac: '0015657733a4',
          detail: 'via http',
        },
      ]);
      const all = await store.querySecurityEvents({});
      assert.deepEqual(
        all.slice(0, 2).map(({ id: _id, ...rest }) => rest),
        [
          {
            at: '2026-03-01T10:00:01.000Z',
            kind: 'first-contact-opened',
            address: '192.0.2.10',
            mac: '0015657733a4',
            detail: 'via http',
          },
          { at: '2026-03-01T10:00:00.000Z', kind: 'address-blocked', address: '192.0.2.9' },
        ],
      );
      assert.equal((await store.querySecurityEvents({ mac: '0015657733a4' })).length, 1);
      assert.equal((await store.querySecurityEvents({ limit: 1 })).length, 1);
      const blocked = await store.querySecurityEvents({ kind: 'address-blocked' });
      assert.deepEqual(
        blocked.map((e) => e.address),
        ['192.0.2.9'],
      );
    });
  });
}

defineCredentialsSuite('embedded (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plugndial-credentials-'));
  dirs.push(dir);
  return openStore({ dataDir: join(dir, 'data') });
});

test('security events are bounded: the oldest go first', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plugndial-security-bound-'));
  dirs.push(dir);
  const client = openSqliteClient(join(dir, 'plugndial.db'));
  try {
    await migrate(client);
    for (let i = 0; i < 5; i++) {
      await appendSecurityEvents(
        client,
        [{ at: `2026-03-01T10:0${i}:00.000Z`, kind: 'address-blocked', address: `192.0.2.${i}` }],
        3,
      );
    }
    const rows = await client.query<{ address: string }>(
      'SELECT address FROM security_events ORDER BY id',
    );
    assert.deepEqual(
      rows.map((r) => r.address),
      ['192.0.2.2', '192.0.2.3', '192.0.2.4'],
    );
  } finally {
    await client.close();
  }
});

await withPostgres('the credentials tests', () => {
  let server: TestPostgres | undefined;
  after(async () => {
    await server?.stop();
  });
  defineCredentialsSuite('PostgreSQL', async () => {
    server = await startPostgres();
    return openStore({ databaseUrl: server.url });
  });
});
