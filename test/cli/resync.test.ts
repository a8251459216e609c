import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';

import type { Mac } from '../../src/model/mac.ts';
import { silentLogger } from '../../src/log.ts';
import { startServer, type RunningDoors } from '../../src/server.ts';
import type { SipRequest } from '../../src/sip/message.ts';
import { cli } from '../support/cli.ts';
import { tempDir } from '../support/harness.ts';
import { TestPhone, header, isRequest } from '../sip/support.ts';

// Management commands against a running server (in this process, on loopback ports): the
// resync goes out of its SIP door to a phone played by a socket that answers every NOTIFY.
let dir: string;
let server: RunningDoors;
let phone: TestPhone;
let answering = true;
const events: string[] = [];

before(async () => {
  dir = tempDir();
  server = await startServer(
    {
      dataDir: dir,
      doors: { http: { host: '127.0.0.1', port: 0 }, sip: { host: '127.0.0.1', port: 0 } },
      events: { retentionDays: 30, maxEvents: 1000 },
      sip: { interfaces: 'none', unknown: 'pending-answer' },
    },
    silentLogger,
  );
  phone = await TestPhone.open();
  void (async () => {
    while (answering) {
      const notify = (await phone.next(isRequest('NOTIFY'), 200).catch(() => undefined)) as
        SipRequest | undefined;
      if (!notify) continue;
      events.push(header(notify, 'Event')!);
      const from = Number(/:(\d+);branch/.exec(header(notify, 'Via')!)![1]);
      phone.answer(notify, 200, 'OK', from);
    }
  })();
  const contact = `sip.contact=sip:1001@127.0.0.1:${phone.port}`;
  for (const [mac, extra] of [
    ['0021f2000011', ['--set', contact, '--profile', 'floor1']],
    ['0021f2000012', ['--set', contact, '--profile', 'floor1']],
    ['0021f2000013', []],
  ] as const) {
    if (mac === '0021f2000011') {
      const added = await cli('profile', 'add', 'floor1', '--data-dir', dir);
      assert.equal(added.code, 0, added.err);
    }
    const r = await cli(
      'device',
      'add',
      mac,
      '--vendor',
      'flyingvoice',
      ...extra,
      '--data-dir',
      dir,
    );
    assert.equal(r.code, 0, r.err);
  }
});

after(async () => {
  answering = false;
  await phone.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('resync one phone with reboot; device show tells how it answered', async () => {
  const r = await cli('resync', '0021f2000011', '--reboot', '--data-dir', dir);
  assert.equal(r.code, 0, r.err);
  assert.equal(
    r.out,
    `0021f2000011  200  ok  sip:1001@127.0.0.1:${phone.port}  check-sync;reboot=true\n`,
  );
  assert.equal(events.at(-1), 'check-sync;reboot=true');
  const shown = await cli('device', 'show', '0021f2000011', '--data-dir', dir);
  assert.match(
    shown.out,
    /^resync {5}\S+ check-sync;reboot=true to sip:1001@127\.0\.0\.1:\d+: 200 ok$/m,
  );
  const json = JSON.parse(
    (await cli('device', 'show', '0021f2000011', '--json', '--data-dir', dir)).out,
  );
  assert.equal(json.lastResync.status, 200);
  assert.equal(json.lastResync.event, 'check-sync;reboot=true');
});

test('a profile or the whole fleet, paced by --rate; a phone without address fails alone', async () => {
  const started = Date.now();
  const profile = await cli(
    'resync',
    '--profile',
    'floor1',
    '--rate',
    '10/s',
    '--json',
    '--data-dir',
    dir,
  );
  assert.equal(profile.code, 0, profile.err);
  const results = JSON.parse(profile.out) as { mac: string; ok: boolean; event: string }[];
  assert.deepEqual(
    results.map((x) => [x.mac, x.ok, x.event]),
    [
      ['0021f2000011', true, 'check-sync'],
      ['0021f2000012', true, 'check-sync'],
    ],
  );
  assert.ok(Date.now() - started >= 100, 'the second phone waits its turn at 10/s');

  const all = await cli('resync', '--all', '--rate', '50', '--data-dir', dir);
  assert.equal(all.code, 1);
  const lines = all.out.trim().split('\n');
  // One line per phone as it answers, then what the whole run came to.
  assert.equal(lines.pop(), '3 phones: 2 sent, 2 answered, 0 failed, 1 without an address');
  lines.sort();
  assert.equal(lines.length, 3);
  assert.match(
    lines[2]!,
    /^0021f2000013 {2}- {2}device 0021f2000013 has never contacted .* \[PND_SIP_NO_ADDRESS\]$/,
  );
  const floor = await cli('resync', '--profile', 'floor1', '--rate', '50', '--data-dir', dir);
  assert.equal(floor.code, 0, floor.err);
  assert.match(floor.out, /\n2 phones: 2 sent, 2 answered, 0 failed, 0 without an address\n$/);
});

test('resync --via tr069 of a phone that never informed says what it must send and how to check', async () => {
  const r = await cli('resync', '0021f2000013', '--via', 'tr069', '--data-dir', dir);
  assert.equal(r.code, 1);
  assert.match(r.out, /^0021f2000013 {2}503 {2}never-informed: /);
  assert.match(r.out, /Inform/);
  assert.match(r.out, /ConnectionRequestURL/);
  assert.match(r.out, /plugndial device show 0021f2000013 --json/);
  assert.match(r.out, /GET \/api\/v1\/devices\/0021f2000013\/cwmp/);
  const informed = await server.runtime.store.updateCwmpState('0021f2000013' as Mac, (s) => ({
    ...s,
    lastInform: { at: '2026-01-01T00:00:00.000Z', address: '127.0.0.1', events: ['1 BOOT'] },
  }));
  assert.ok(informed);
  const noUrl = await cli('resync', '0021f2000013', '--via', 'tr069', '--data-dir', dir);
  assert.equal(noUrl.code, 1);
  assert.match(
    noUrl.out,
    /^0021f2000013 {2}503 {2}no-connection-request-url: .*ConnectionRequestURL/,
  );
  assert.match(noUrl.out, /GET \/api\/v1\/devices\/0021f2000013\/cwmp/);
});

test('usage errors: one way to name phones, a sane rate', async () => {
  assert.equal((await cli('resync', '--data-dir', dir)).code, 2);
  assert.equal((await cli('resync', '0021f2000011', '--all', '--data-dir', dir)).code, 2);
  assert.equal((await cli('resync', '--all', '--rate', '0/s', '--data-dir', dir)).code, 2);
  assert.equal((await cli('resync', 'not-a-mac', '--data-dir', dir)).code, 2);
});

test('phones found by plug-and-play are listed as pending and claimed as devices', async () => {
  await server.runtime.store.recordPendingPhone({
    mac: '805ec0000021' as Mac,
    vendor: 'yealink',
    model: 'T46S',
    address: '192.0.2.21',
    lastSeen: '2026-01-02T03:04:05.000Z',
  });
  const listed = await cli('device', 'pending', '--data-dir', dir);
  assert.equal(listed.code, 0, listed.err);
  assert.match(
    listed.out,
    /^805ec0000021 +yealink +T46S +192\.0\.2\.21 +2026-01-02T03:04:05\.000Z +1$/m,
  );
  const claimed = await cli(
    'device',
    'claim',
    '805ec0000021',
    '--set',
    'accounts.1.user=1021',
    '--data-dir',
    dir,
  );
  assert.equal(claimed.code, 0, claimed.err);
  assert.equal(claimed.out, 'claimed 805ec0000021 as yealink\n');
  const device = JSON.parse(
    (await cli('device', 'show', '805ec0000021', '--json', '--data-dir', dir)).out,
  );
  assert.equal(device.model, 'T46S');
  assert.equal(device.settings['accounts.1.user'], '1021');
  assert.doesNotMatch((await cli('device', 'pending', '--data-dir', dir)).out, /805ec0000021/);
  assert.equal((await cli('device', 'claim', '805ec0000021', '--data-dir', dir)).code, 2);
});
