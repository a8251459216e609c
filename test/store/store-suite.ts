import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';

import { isPlugndialError } from '../../src/errors.ts';
import type { Device, Profile } from '../../src/model/device.ts';
import type { Mac } from '../../src/model/mac.ts';
import type { ProvisioningEvent } from '../../src/model/event.ts';
import type { Store, StoreChange } from '../../src/store/store.ts';

export function device(mac: string, overrides: Partial<Device> = {}): Device {
  return {
    mac: mac as Mac,
    vendor: 'yealink',
    model: 'T54W',
    profiles: [],
    settings: { 'accounts.1.user': mac.slice(-4), 'accounts.1.password': 'pw-secret' },
    createdAt: '2026-01-02T03:04:05.678Z',
    updatedAt: '2026-01-02T03:04:05.678Z',
    ...overrides,
  };
}

export function profile(name: string, overrides: Partial<Profile> = {}): Profile {
  return {
    name,
    settings: { 'time.timezone': 'Europe/Berlin' },
    createdAt: '2026-01-02T03:04:05.678Z',
    updatedAt: '2026-01-02T03:04:05.678Z',
    ...overrides,
  };
}

export function event(at: string, overrides: Partial<ProvisioningEvent> = {}): ProvisioningEvent {
  return {
    at,
    file: 'y000000000000.cfg',
    transport: 'http',
    address: '192.0.2.10',
    status: 200,
    bytes: 512,
    durationMs: 3,
    ...overrides,
  };
}

/** A byte at each offset that differs between neighbouring chunks, so misplaced chunks show. */
export function byteAt(offset: number): number {
  return (offset * 31 + (offset >>> 8) * 7 + (offset >>> 18) * 13) & 0xff;
}

export function patternStream(size: number, piece = 65_536, failAt?: number): Readable {
  async function* pieces(): AsyncGenerator<Buffer> {
    for (let offset = 0; offset < size; offset += piece) {
      if (failAt !== undefined && offset >= failAt) throw new Error('upload interrupted');
      const length = Math.min(piece, size - offset);
      const bytes = Buffer.allocUnsafe(length);
      for (let i = 0; i < length; i += 1) bytes[i] = byteAt(offset + i);
      yield bytes;
    }
  }
  return Readable.from(pieces(), { objectMode: false });
}

export function patternSha256(size: number): string {
  const hash = createHash('sha256');
  const block = Buffer.allocUnsafe(65_536);
  for (let offset = 0; offset < size; offset += block.length) {
    const length = Math.min(block.length, size - offset);
    for (let i = 0; i < length; i += 1) block[i] = byteAt(offset + i);
    hash.update(block.subarray(0, length));
  }
  return hash.digest('hex');
}

async function sha256Of(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) parts.push(chunk);
  return Buffer.concat(parts);
}

function withCode(code: string, text?: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(isPlugndialError(error), `expected a PlugndialError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (text) assert.match(error.message, text);
    return true;
  };
}

/**
 * The behaviour every backend owes the Store interface. `open` gives a store on a fresh
 * database; the suite shares it between tests, so each test uses its own keys.
 */
export function defineStoreSuite(name: string, open: () => Promise<Store>): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    before(async () => {
      store = await open();
      // The profiles the devices below name: a device may name only profiles that exist.
      for (const name of ['default', 'site-b', 'floor-3'])
        await store.insertProfile(profile(name, { settings: {} }));
    });
    after(async () => {
      await store?.close();
    });

    test('devices: insert, get, list with filters, count, remove; profiles keep their order', async () => {
      const before = await store.countDevices();
      await store.insertDevices([
        device('0015650000a2', { profiles: ['site-b', 'default', 'floor-3'] }),
        device('0015650000a1', { vendor: 'fanvil', model: undefined, profiles: ['default'] }),
      ]);
      const got = await store.getDevice('0015650000a2' as Mac);
      assert.deepEqual(got, device('0015650000a2', { profiles: ['site-b', 'default', 'floor-3'] }));
      const fanvil = await store.getDevice('0015650000a1' as Mac);
      assert.equal(fanvil?.vendor, 'fanvil');
      assert.equal('model' in (fanvil ?? {}), false);
      assert.equal(await store.countDevices(), before + 2);

      const byVendor = await store.listDevices({ vendor: 'fanvil' });
      assert.deepEqual(
        byVendor.map((d) => d.mac),
        ['0015650000a1'],
      );
      const byProfile = await store.listDevices({ profile: 'floor-3' });
      assert.deepEqual(
        byProfile.map((d) => d.mac),
        ['0015650000a2'],
      );
      const page = await store.listDevices({ profile: 'default', limit: 1, offset: 1 });
      assert.deepEqual(
        page.map((d) => d.mac),
        ['0015650000a2'],
      );
      // Keyset pages: each starts after the last MAC of the one before, in MAC order.
      const all = (await store.listDevices()).map((d) => d.mac);
      const paged: string[] = [];
      for (let after: Mac | undefined; ;) {
        const next = await store.listDevices({ limit: 1, ...(after ? { after } : {}) });
        if (next.length === 0) break;
        paged.push(next[0]!.mac);
        after = next[0]!.mac;
      }
      assert.deepEqual(paged, all);
      assert.deepEqual(
        (await store.listDevices({ profile: 'default', after: '0015650000a1' as Mac })).map(
          (d) => d.mac,
        ),
        ['0015650000a2'],
      );

      const reordered = await store.updateDevice('0015650000a2' as Mac, (d) => ({
        ...d,
        profiles: ['floor-3', 'site-b'],
        settings: { ...d.settings, 'accounts.1.user': '2001' },
      }));
      assert.deepEqual(reordered.profiles, ['floor-3', 'site-b']);
      const reread = await store.getDevice('0015650000a2' as Mac);
      assert.deepEqual(reread?.profiles, ['floor-3', 'site-b']);
      assert.equal(reread?.settings['accounts.1.user'], '2001');
      assert.equal(reread?.createdAt, '2026-01-02T03:04:05.678Z');
      assert.ok(Date.parse(reread?.updatedAt ?? '') > Date.parse('2026-01-02T03:04:05.678Z'));

      assert.equal(await store.removeDevice('0015650000a1' as Mac), true);
      assert.equal(await store.removeDevice('0015650000a1' as Mac), false);
      assert.equal(await store.getDevice('0015650000a1' as Mac), undefined);
      await assert.rejects(
        store.updateDevice('0015650000a1' as Mac, (d) => d),
        withCode('PND_DEVICE_NOT_FOUND', /0015650000a1/),
      );
    });

    test('a page past any int (limit and offset of 3,000,000,000) is an empty page, not an error', async () => {
      await store.insertDevices([device('0015650000b1')]);
      assert.deepEqual(await store.listDevices({ offset: 3_000_000_000 }), []);
      assert.equal(
        (await store.listDevices({ limit: 3_000_000_000 })).length,
        await store.countDevices(),
      );
      await store.removeDevice('0015650000b1' as Mac);
    });

    test('a device cannot name a profile that does not exist, whichever way it is written', async () => {
      const mac = '0015650000f7' as Mac;
      await assert.rejects(
        store.insertDevices([device(mac, { profiles: ['gone'] })]),
        withCode('PND_PROFILE_NOT_FOUND', /"gone"/),
      );
      assert.equal(await store.getDevice(mac), undefined);
      await store.insertDevices([device(mac)]);
      await assert.rejects(
        store.updateDevice(mac, (d) => ({ ...d, profiles: ['gone'] })),
        withCode('PND_PROFILE_NOT_FOUND', /"gone"/),
      );
      assert.deepEqual((await store.getDevice(mac))?.profiles, []);
      await store.removeDevice(mac);
    });

    test('insertDevices is all-or-nothing and names the first MAC already present', async () => {
      await store.insertDevices([device('0015650000b2'), device('0015650000b4')]);
      const batch = ['0015650000b1', '0015650000b4', '0015650000b2', '0015650000b3'].map((mac) =>
        device(mac),
      );
      await assert.rejects(
        store.insertDevices(batch),
        withCode('PND_DEVICE_EXISTS', /0015650000b4/),
      );
      assert.equal(await store.getDevice('0015650000b1' as Mac), undefined);
      assert.equal(await store.getDevice('0015650000b3' as Mac), undefined);

      const twice = [device('0015650000b5'), device('0015650000b6'), device('0015650000b5')];
      await assert.rejects(
        store.insertDevices(twice),
        withCode('PND_DEVICE_EXISTS', /0015650000b5/),
      );
      assert.equal(await store.getDevice('0015650000b6' as Mac), undefined);
    });

    test('a failing change callback leaves the device as it was', async () => {
      await store.insertDevices([device('0015650000c1', { profiles: ['default'] })]);
      const original = await store.getDevice('0015650000c1' as Mac);
      const generation = store.generation();
      await assert.rejects(
        store.updateDevice('0015650000c1' as Mac, (d) => {
          d.profiles.push('vip');
          d.settings['accounts.1.user'] = 'changed';
          throw new Error('operator typo');
        }),
        /operator typo/,
      );
      assert.deepEqual(await store.getDevice('0015650000c1' as Mac), original);
      assert.equal(store.generation(), generation);
      await assert.rejects(
        store.updateDevice('0015650000c1' as Mac, (d) => ({ ...d, mac: '0015650000c9' as Mac })),
        withCode('PND_INVALID_ARGUMENT'),
      );
      assert.deepEqual(await store.getDevice('0015650000c1' as Mac), original);
    });

    test('profiles: insert, duplicate refused, update, removal refused while in use', async () => {
      await store.insertProfile(profile('office', { description: 'office phones' }));
      await assert.rejects(
        store.insertProfile(profile('office')),
        withCode('PND_PROFILE_EXISTS', /office/),
      );
      assert.deepEqual(
        await store.getProfile('office'),
        profile('office', { description: 'office phones' }),
      );

      const updated = await store.updateProfile('office', (p) => ({
        ...p,
        settings: { 'time.timezone': 'Europe/Paris' },
      }));
      assert.equal(updated.settings['time.timezone'], 'Europe/Paris');
      assert.equal((await store.getProfile('office'))?.settings['time.timezone'], 'Europe/Paris');
      await assert.rejects(
        store.updateProfile('nowhere', (p) => p),
        withCode('PND_PROFILE_NOT_FOUND', /nowhere/),
      );
      assert.ok((await store.listProfiles()).some((p) => p.name === 'office'));

      await store.insertDevices([
        device('0015650000d1', { profiles: ['default', 'office'] }),
        device('0015650000d2', { profiles: ['office'] }),
      ]);
      await assert.rejects(
        store.removeProfile('office'),
        withCode('PND_PROFILE_IN_USE', /2 devices/),
      );
      assert.ok(await store.getProfile('office'));

      await store.removeDevice('0015650000d1' as Mac);
      await store.updateDevice('0015650000d2' as Mac, (d) => ({ ...d, profiles: [] }));
      assert.equal(await store.removeProfile('office'), true);
      assert.equal(await store.removeProfile('office'), false);
      assert.equal(await store.getProfile('office'), undefined);
    });

    test('the generation grows with configuration changes, not with contacts', async () => {
      const heard: StoreChange[] = [];
      const stop = store.onChange((change) => heard.push(change));
      try {
        const start = store.generation();
        await store.insertDevices([device('0015650000e1')]);
        const afterInsert = store.generation();
        assert.ok(afterInsert > start);
        assert.deepEqual(heard, [
          { entity: 'device', key: '0015650000e1', generation: afterInsert },
        ]);

        await store.recordContacts([
          {
            mac: '0015650000e1' as Mac,
            lastContact: {
              at: '2026-02-01T10:00:00.000Z',
              address: '192.0.2.7',
              file: 'boot',
              transport: 'tftp',
              status: 200,
            },
            reported: { firmware: '96.86.0.100' },
          },
          {
            mac: '0015650000e1' as Mac,
            lastContact: {
              at: '2026-02-01T10:00:01.000Z',
              address: '192.0.2.7',
              file: 'cfg',
              transport: 'http',
              status: 200,
            },
            reported: { model: 'T54W' },
          },
          {
            mac: '0015650000ee' as Mac,
            lastContact: {
              at: '2026-02-01T10:00:00.000Z',
              address: '192.0.2.8',
              file: 'boot',
              transport: 'http',
              status: 404,
            },
          },
        ]);
        assert.equal(store.generation(), afterInsert);
        assert.equal(heard.length, 1);
        const seen = await store.getDevice('0015650000e1' as Mac);
        assert.equal(seen?.lastContact?.file, 'cfg');
        assert.deepEqual(seen?.reported, { firmware: '96.86.0.100', model: 'T54W' });
        assert.equal(await store.getDevice('0015650000ee' as Mac), undefined);

        await store.insertProfile(profile('gen-check'));
        await store.removeProfile('gen-check');
        await store.removeDevice('0015650000e1' as Mac);
        assert.equal(store.generation(), afterInsert + 3);
        assert.deepEqual(
          heard.map((change) => change.entity),
          ['device', 'profile', 'profile', 'device'],
        );
        assert.equal(await store.removeDevice('0015650000e1' as Mac), false);
        assert.equal(store.generation(), afterInsert + 3, 'removing nothing changes nothing');
      } finally {
        stop();
      }
    });

    test('a 16 MiB file round-trips byte for byte, and byte ranges read right', async () => {
      const size = 16 * 1024 * 1024;
      const generation = store.generation();
      const stored = await store.putFile(
        'firmware/t54w.rom',
        patternStream(size),
        'application/octet-stream',
      );
      const expected = patternSha256(size);
      assert.equal(stored.size, size);
      assert.equal(stored.sha256, expected);
      assert.ok(store.generation() > generation);

      const handle = await store.openFile('firmware/t54w.rom');
      assert.ok(handle);
      assert.equal(handle.contentType, 'application/octet-stream');
      assert.deepEqual(await sha256Of(handle.stream()), { sha256: expected, size });

      const ranges = [
        { start: 0, end: 9 },
        { start: 262_140, end: 262_150 },
        { start: 1_000_000, end: 2_600_000 },
        { start: size - 5, end: size - 1 },
        { start: 12_345, end: 12_345 },
      ];
      for (const range of ranges) {
        const bytes = await collect(handle.stream(range));
        assert.equal(
          bytes.length,
          range.end - range.start + 1,
          `length of ${range.start}-${range.end}`,
        );
        for (let i = 0; i < bytes.length; i += 997) assert.equal(bytes[i], byteAt(range.start + i));
        assert.equal(bytes[bytes.length - 1], byteAt(range.end));
      }
      assert.deepEqual(
        (await store.listFiles()).find((f) => f.path === 'firmware/t54w.rom'),
        {
          path: 'firmware/t54w.rom',
          size,
          sha256: expected,
          contentType: 'application/octet-stream',
          updatedAt: stored.updatedAt,
        },
      );
    });

    test('an upload that fails half way leaves the previous version intact', async () => {
      const first = await store.putFile('phonebook/site.xml', patternStream(700_000), 'text/xml');
      const generation = store.generation();
      await assert.rejects(
        store.putFile(
          'phonebook/site.xml',
          patternStream(2_000_000, 100_000, 900_000),
          'text/plain',
        ),
        /upload interrupted/,
      );
      assert.equal(store.generation(), generation);
      const handle = await store.openFile('phonebook/site.xml');
      assert.equal(handle?.sha256, first.sha256);
      assert.equal(handle?.contentType, 'text/xml');
      assert.deepEqual(await sha256Of(handle!.stream()), {
        sha256: patternSha256(700_000),
        size: 700_000,
      });

      const second = await store.putFile(
        'phonebook/site.xml',
        Readable.from([Buffer.from('<x/>')]),
        'text/xml',
      );
      assert.equal(second.size, 4);
      assert.equal(
        (await collect((await store.openFile('phonebook/site.xml'))!.stream())).toString(),
        '<x/>',
      );
      assert.equal(await store.removeFile('phonebook/site.xml'), true);
      assert.equal(await store.removeFile('phonebook/site.xml'), false);
      assert.equal(await store.openFile('phonebook/site.xml'), undefined);

      const empty = await store.putFile('empty.txt', Readable.from([]), 'text/plain');
      assert.equal(empty.size, 0);
      assert.equal((await collect((await store.openFile('empty.txt'))!.stream())).length, 0);
    });

    test('events: append, query newest first by MAC and time, prune', async () => {
      const mac = '0015650000f1';
      await store.appendEvents([
        event('2026-03-01T10:00:00.000Z', { mac, reason: undefined }),
        event('2026-03-01T10:00:01.000Z', {
          mac,
          driver: 'yealink',
          userAgent: 'Yealink SIP-T54W',
          durationMs: 2.5,
        }),
        event('2026-03-01T10:00:02.000Z', {
          mac: '0015650000f2',
          transport: 'tftp',
          retransmissions: 2,
        }),
        event('2026-03-01T10:00:03.000Z', { status: 404, reason: 'unknown-mac' }),
        event('2026-03-01T10:00:04.000Z', { mac, status: 401, reason: 'credentials' }),
      ]);
      const mine = await store.queryEvents({ mac });
      assert.deepEqual(
        mine.map((e) => e.at),
        ['2026-03-01T10:00:04.000Z', '2026-03-01T10:00:01.000Z', '2026-03-01T10:00:00.000Z'],
      );
      assert.ok(mine.every((e) => typeof e.id === 'number'));
      const { id: _id, ...second } = mine[1]!;
      assert.deepEqual(
        second,
        event('2026-03-01T10:00:01.000Z', {
          mac,
          driver: 'yealink',
          userAgent: 'Yealink SIP-T54W',
          durationMs: 2.5,
        }),
      );

      const window = await store.queryEvents({
        since: '2026-03-01T10:00:01.000Z',
        until: '2026-03-01T10:00:03.000Z',
      });
      assert.deepEqual(
        window.map((e) => e.at),
        ['2026-03-01T10:00:02.000Z', '2026-03-01T10:00:01.000Z'],
      );
      assert.equal(window[0]?.retransmissions, 2);
      assert.equal((await store.queryEvents({ limit: 2 })).length, 2);
      await assert.rejects(store.queryEvents({ limit: -1 }), withCode('PND_INVALID_ARGUMENT'));

      const all = await store.queryEvents({ limit: 10_000 });
      assert.equal(all.length, 5);
      const byAge = await store.pruneEvents(new Date('2026-03-01T10:00:01.000Z'), 1_000);
      assert.equal(byAge, 1);
      const byCount = await store.pruneEvents(new Date('2000-01-01T00:00:00.000Z'), 2);
      assert.equal(byCount, 2);
      assert.deepEqual(
        (await store.queryEvents({})).map((e) => e.at),
        ['2026-03-01T10:00:04.000Z', '2026-03-01T10:00:03.000Z'],
      );
    });

    /** Removes every event, so a test counts only its own. */
    async function clearEvents(): Promise<void> {
      await store.pruneEvents(new Date('9999-01-01T00:00:00.000Z'), 0);
      assert.deepEqual(await store.queryEvents({}), []);
    }

    test('events keep every value as the phone sent it: quotes, backslashes, accents, numbers', async () => {
      await clearEvents();
      const mac = '0015650000f9';
      const agent = 'Snom "D385" \\ café ☎ 10.1.0\ttab';
      await store.appendEvents([
        event('2026-03-02T10:00:00.000Z', {
          mac,
          userAgent: agent,
          file: 'dir/"odd" name\\x.cfg',
          bytes: 2 ** 40,
          durationMs: 0.125,
          retransmissions: 0,
        }),
      ]);
      const [got] = await store.queryEvents({ mac });
      assert.equal(got!.userAgent, agent);
      assert.equal(got!.file, 'dir/"odd" name\\x.cfg');
      assert.equal(got!.bytes, 2 ** 40);
      assert.equal(got!.durationMs, 0.125);
      assert.equal(got!.retransmissions, 0);
      assert.equal(got!.node, undefined, 'an event of no named node names none');
    });

    test('events name the node that served them, and are asked for by it', async () => {
      await clearEvents();
      await store.appendEvents([
        event('2026-03-02T11:00:00.000Z', { node: 'prov-a' }),
        event('2026-03-02T11:00:01.000Z', { node: 'prov-b' }),
        event('2026-03-02T11:00:02.000Z', { node: 'prov-a' }),
      ]);
      const a = await store.queryEvents({ node: 'prov-a' });
      assert.deepEqual(
        a.map((e) => [e.at, e.node]),
        [
          ['2026-03-02T11:00:02.000Z', 'prov-a'],
          ['2026-03-02T11:00:00.000Z', 'prov-a'],
        ],
      );
      assert.equal((await store.queryEvents({ node: 'prov-c' })).length, 0);
    });

    test('events: a query spans pages and cuts the limit, since and until inside a page', async () => {
      await clearEvents();
      const macs = Array.from({ length: 7 }, (_, k) => `00156500e0${k}0`);
      // Every tenth phone is unknown: its events carry no MAC.
      const macOf = (i: number): string | undefined => (i % 10 === 9 ? undefined : macs[i % 7]);
      const total = 10_050;
      await store.appendEvents(
        Array.from({ length: total }, (_, i) =>
          event(at(i), { mac: macOf(i), file: `f${i}`, bytes: i }),
        ),
      );
      /** The files of the events matching `keep`, newest first, at most `limit`. */
      const expected = (keep: (i: number) => boolean, limit = 10_000): string[] => {
        const files: string[] = [];
        for (let i = total - 1; i >= 0 && files.length < limit; i -= 1)
          if (keep(i)) files.push(`f${i}`);
        return files;
      };
      const files = (events: ProvisioningEvent[]): string[] => events.map((e) => e.file);

      const newest = await store.queryEvents({ limit: 20_000 });
      assert.deepEqual(
        files(newest),
        expected(() => true),
      );
      // Ids are unique and grow with the order of appending, across pages.
      for (let k = 1; k < newest.length; k += 1) assert.ok(newest[k]!.id! < newest[k - 1]!.id!);
      const { id: _id, ...first } = newest[0]!;
      assert.deepEqual(first, event(at(total - 1), { file: `f${total - 1}`, bytes: total - 1 }));
      assert.equal(newest[1]?.mac, macOf(total - 2));

      assert.deepEqual(
        files(await store.queryEvents({})),
        expected(() => true, 100),
      );
      assert.deepEqual(
        files(await store.queryEvents({ limit: 750 })),
        expected(() => true, 750),
      );
      assert.deepEqual(
        files(await store.queryEvents({ since: at(260), until: at(1_110), limit: 10_000 })),
        expected((i) => i >= 260 && i < 1_110),
      );
      assert.deepEqual(
        files(await store.queryEvents({ since: at(9_999), limit: 10 })),
        expected((i) => i >= 9_999, 10),
      );
      assert.deepEqual(
        files(await store.queryEvents({ mac: macs[3], limit: 10_000 })),
        expected((i) => macOf(i) === macs[3]),
      );
      assert.deepEqual(
        files(await store.queryEvents({ mac: macs[5], until: at(5_000), limit: 25 })),
        expected((i) => macOf(i) === macs[5] && i < 5_000, 25),
      );
      assert.deepEqual(await store.queryEvents({ mac: '00156500ffff' }), []);
      assert.deepEqual(await store.queryEvents({ limit: 0 }), []);
      await assert.rejects(store.queryEvents({ limit: 2.5 }), withCode('PND_INVALID_ARGUMENT'));
      await assert.rejects(
        store.appendEvents([event('2026-04-01T00:00:00.000Z'), event('yesterday')]),
        withCode('PND_INVALID_ARGUMENT', /time/),
      );
      assert.equal((await store.queryEvents({ limit: 20_000 })).length, 10_000);
    });

    test('events: pages whose times interleave still come out newest first', async () => {
      await clearEvents();
      const [m1, m2] = ['00156500e101', '00156500e102'];
      // Page A spans seconds 10–59; page B, written later, holds the newest event (100), old
      // ones (0–9) and one at second 30 like A's: B's comes first, having the larger id.
      const a = Array.from({ length: 50 }, (_, k) =>
        event(at(10 + k), { mac: k % 2 ? m1 : m2, file: `a${10 + k}` }),
      );
      const b = [
        event(at(3), { mac: m1, file: 'b3' }),
        event(at(100), { mac: m2, file: 'b100' }),
        ...Array.from({ length: 10 }, (_, k) => event(at(9 - k), { mac: m2, file: `b${9 - k}` })),
        event(at(30), { mac: m2, file: 'b30' }),
      ].filter((e, k, all) => all.findIndex((x) => x.file === e.file) === k);
      // Events without a MAC, in a page of their own within B's time range.
      const c = [event(at(7), { file: 'c7' }), event(at(55), { file: 'c55' })];
      await store.appendEvents(a);
      await store.appendEvents(b);
      await store.appendEvents(c);
      const written = [...a, ...b, ...c].map((e, seq) => ({ e, seq, s: Date.parse(e.at) }));
      const order = (keep: (e: ProvisioningEvent) => boolean, limit = 100): string[] =>
        written
          .filter(({ e }) => keep(e))
          .sort((x, y) => y.s - x.s || y.seq - x.seq)
          .slice(0, limit)
          .map(({ e }) => e.file);
      const files = (events: ProvisioningEvent[]): string[] => events.map((e) => e.file);

      assert.deepEqual(files(await store.queryEvents({ limit: 5 })), [
        'b100',
        'a59',
        'a58',
        'a57',
        'a56',
      ]);
      assert.deepEqual(
        files(await store.queryEvents({ limit: 1_000 })),
        order(() => true, 1_000),
      );
      assert.equal(written.length, 64);
      const all = files(await store.queryEvents({ limit: 1_000 }));
      assert.ok(all.indexOf('b30') === all.indexOf('a30') - 1);
      for (const limit of [1, 2, 3, 12, 30, 51, 63]) {
        assert.deepEqual(
          files(await store.queryEvents({ limit })),
          order(() => true, limit),
        );
        assert.deepEqual(
          files(await store.queryEvents({ mac: m2, limit })),
          order((e) => e.mac === m2, limit),
        );
      }
      assert.deepEqual(
        files(await store.queryEvents({ since: at(5), until: at(31), limit: 1_000 })),
        order((e) => Date.parse(e.at) >= Date.parse(at(5)) && e.at < at(31), 1_000),
      );
      assert.deepEqual(files(await store.queryEvents({ mac: m1, since: at(3), until: at(12) })), [
        'a11',
        'b3',
      ]);
      assert.deepEqual(files(await store.queryEvents({ until: at(8), limit: 3 })), [
        'c7',
        'b7',
        'b6',
      ]);
      assert.ok((await store.queryEvents({ limit: 1_000 })).some((e) => e.mac === undefined));
    });

    test('events: prune by time and by count rewrites the page straddling the cut', async () => {
      await clearEvents();
      const idOf = async (): Promise<Map<string, number>> =>
        new Map((await store.queryEvents({ limit: 10_000 })).map((e) => [e.file, e.id!]));
      const files = (events: ProvisioningEvent[]): string[] => events.map((e) => e.file);
      const range = (from: number, to: number): string[] =>
        Array.from({ length: to - from }, (_, k) => `f${to - 1 - k}`);

      // Pages of events 0–499, 500–999 and 1000–1199.
      await store.appendEvents(
        Array.from({ length: 1_200 }, (_, i) =>
          event(at(i), { mac: i % 3 ? '00156500e201' : undefined, file: `f${i}` }),
        ),
      );
      const ids = await idOf();
      assert.equal(await store.pruneEvents(new Date(at(700)), Infinity), 700);
      assert.deepEqual(files(await store.queryEvents({ limit: 10_000 })), range(700, 1_200));
      for (const [file, id] of await idOf()) assert.equal(id, ids.get(file), file);

      assert.equal(await store.pruneEvents(new Date(at(0)), 123), 377);
      assert.deepEqual(files(await store.queryEvents({ limit: 10_000 })), range(1_077, 1_200));
      for (const [file, id] of await idOf()) assert.equal(id, ids.get(file), file);
      assert.deepEqual(files(await store.queryEvents({ mac: '00156500e201', limit: 3 })), [
        'f1199',
        'f1198',
        'f1196',
      ]);

      // Later events get ids above every earlier one, pruned pages or not.
      await store.appendEvents(
        Array.from({ length: 10 }, (_, k) => event(at(1_200 + k), { file: `f${1_200 + k}` })),
      );
      const grown = await idOf();
      const oldest = Math.max(...ids.values());
      for (let i = 1_200; i < 1_210; i += 1) assert.ok(grown.get(`f${i}`)! > oldest);
      assert.equal(await store.pruneEvents(new Date(at(0)), 5), 128);
      assert.deepEqual(files(await store.queryEvents({})), range(1_205, 1_210));
      assert.equal(await store.pruneEvents(new Date(at(0)), 5), 0);
      assert.equal(await store.pruneEvents(new Date(at(1_207)), Infinity), 2);
      assert.deepEqual(files(await store.queryEvents({})), range(1_207, 1_210));
      assert.equal(await store.pruneEvents(new Date('9999-01-01T00:00:00.000Z'), Infinity), 3);
      assert.deepEqual(await store.queryEvents({}), []);
      await assert.rejects(
        store.pruneEvents(new Date(at(0)), -1),
        withCode('PND_INVALID_ARGUMENT'),
      );
    });

    test('events: prune keeps exactly the newest when pages overlap in time', async () => {
      await clearEvents();
      // Three pages interleaving second by second, each in a shuffled order; the second also
      // holds second 150, as the first does: the later page's event ranks above.
      const page = (offset: number, extra: number[] = []): ProvisioningEvent[] =>
        [...Array.from({ length: 100 }, (_, k) => 3 * k + offset), ...extra]
          .sort((x, y) => ((x * 37) % 101) - ((y * 37) % 101))
          .map((s, k) =>
            event(at(s), { mac: s % 2 ? '00156500e301' : undefined, file: `p${offset}-${s}-${k}` }),
          );
      const pages = [page(0), page(1, [150]), page(2)];
      for (const events of pages) await store.appendEvents(events);
      const written = pages.flat().map((e, seq) => ({ e, seq, s: Date.parse(e.at) }));
      const newest = written.sort((x, y) => y.s - x.s || y.seq - x.seq).map(({ e }) => e.file);
      assert.equal(newest.length, 301);
      const all = async (): Promise<string[]> =>
        (await store.queryEvents({ limit: 10_000 })).map((e) => e.file);
      assert.deepEqual(await all(), newest);
      // The 150th newest is the second page's event at second 150, the 151st the first's.
      assert.match(newest[149]!, /^p1-150-/);
      assert.match(newest[150]!, /^p0-150-/);

      assert.equal(await store.pruneEvents(new Date(at(0)), 150), 151);
      assert.deepEqual(await all(), newest.slice(0, 150));
      assert.equal(await store.pruneEvents(new Date(at(0)), 149), 1);
      assert.deepEqual(await all(), newest.slice(0, 149));
      // By time inside all three pages at once: seconds 151–249 go.
      assert.equal(await store.pruneEvents(new Date(at(250)), Infinity), 99);
      assert.deepEqual(await all(), newest.slice(0, 50));
      assert.equal(await store.pruneEvents(new Date(at(250)), 7), 43);
      assert.deepEqual(await all(), newest.slice(0, 7));
    });
  });
}

/** A time `seconds` after a fixed start, as events carry it. */
function at(seconds: number): string {
  return new Date(Date.UTC(2026, 3, 1) + seconds * 1000).toISOString();
}
