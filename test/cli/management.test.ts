import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { cli } from '../support/cli.ts';
import { openStore } from '../../src/store/open.ts';
import { tempDir } from '../support/harness.ts';

// With no server running, every management command opens the data directory itself.
let dir: string;
let d: string[];
before(() => {
  dir = tempDir();
  d = ['--data-dir', dir];
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('device add, list, show (secrets hidden unless asked), set, rm', async () => {
  const added = await cli(
    'device',
    'add',
    '00:21:F2:00:00:01',
    '--vendor',
    'flyingvoice',
    ...d,
    '--set',
    'accounts.1.user=1001',
    '--set',
    'accounts.1.password=s3cret',
    '--set',
    'accounts.1.registrar=pbx.example.com',
  );
  assert.equal(added.code, 0, added.err);
  assert.match(added.out, /added 0021f2000001/);

  const list = await cli('device', 'list', ...d);
  assert.match(list.out, /^0021f2000001\s+flyingvoice/m);

  const show = await cli('device', 'show', '0021f2000001', '--json', ...d);
  const device = JSON.parse(show.out);
  assert.equal(device.settings['accounts.1.user'], '1001');
  assert.equal(device.settings['accounts.1.password'], '********');
  assert.doesNotMatch(show.out, /s3cret/);
  assert.equal(device.lastContact, null);
  const secret = JSON.parse(
    (await cli('device', 'show', '0021f2000001', '--json', '--secrets', ...d)).out,
  );
  assert.equal(secret.settings['accounts.1.password'], 's3cret');

  const set = await cli(
    'device',
    'set',
    '0021f2000001',
    '--set',
    'accounts.1.label=Desk',
    '--unset',
    'accounts.1.registrar',
    ...d,
  );
  assert.equal(set.code, 0, set.err);
  const changed = JSON.parse((await cli('device', 'show', '0021f2000001', '--json', ...d)).out);
  assert.equal(changed.settings['accounts.1.label'], 'Desk');
  assert.equal(changed.settings['accounts.1.registrar'], undefined);

  const duplicate = await cli('device', 'add', '0021f2000001', '--vendor', 'flyingvoice', ...d);
  assert.equal(duplicate.code, 2);
  assert.match(duplicate.err, /PND_DEVICE_EXISTS/);
});

test('an invalid --set is refused naming the key and what is allowed, and nothing is stored', async () => {
  const bad = await cli(
    'device',
    'add',
    '0021f2000002',
    '--vendor',
    'flyingvoice',
    ...d,
    '--set',
    'accounts.1.user=1002',
    '--set',
    'accounts.1.registrar_port=99999',
  );
  assert.equal(bad.code, 2);
  assert.match(bad.err, /accounts\.1\.registrar_port/);
  assert.match(bad.err, /1 to 65535/);
  const unknown = await cli(
    'device',
    'add',
    '0021f2000002',
    '--vendor',
    'flyingvoice',
    ...d,
    '--set',
    'accounts.1.colour=red',
  );
  assert.match(unknown.err, /unknown setting "accounts\.1\.colour"/);
  const vendor = await cli('device', 'add', '0021f2000002', '--vendor', 'nokia', ...d);
  assert.match(vendor.err, /unknown vendor "nokia"; known: .*flyingvoice/);
  const mac = await cli('device', 'add', '0021f20000zz', '--vendor', 'flyingvoice', ...d);
  assert.match(mac.err, /not a MAC address/);
  const show = await cli('device', 'show', '0021f2000002', ...d);
  assert.equal(show.code, 2);
  assert.match(show.err, /PND_DEVICE_NOT_FOUND/);
});

test('device import is all or nothing and names the bad row', async () => {
  const csv = join(dir, 'phones.csv');
  writeFileSync(
    csv,
    'mac,vendor,model,profiles,accounts.1.user,accounts.1.registrar_port\n0021f2000010,flyingvoice,FIP14G,,2010,5060\n0021f2000011,flyingvoice,,,2011,notaport\n',
  );
  const bad = await cli('device', 'import', csv, ...d);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /line 3: accounts\.1\.registrar_port/);
  assert.equal(
    (await cli('device', 'show', '0021f2000010', ...d)).code,
    2,
    'nothing of the bad import is stored',
  );

  writeFileSync(
    csv,
    'mac,vendor,model,profiles,accounts.1.user\n0021f2000010,flyingvoice,FIP14G,,2010\n"00:21:f2:00:00:11",yealink,,,2011\n',
  );
  const good = await cli('device', 'import', csv, ...d);
  assert.equal(good.code, 0, good.err);
  assert.match(good.out, /imported 2 devices/);
  const yealink = JSON.parse((await cli('device', 'show', '0021f2000011', '--json', ...d)).out);
  assert.equal(yealink.vendor, 'yealink');

  writeFileSync(csv, 'mac,vendor,colour\n0021f2000012,flyingvoice,red\n');
  assert.match(
    (await cli('device', 'import', csv, ...d)).err,
    /column "colour" is not a canonical setting/,
  );
});

test('profiles: ordered inheritance reaches the rendered file; a profile in use cannot be removed', async () => {
  assert.equal(
    (
      await cli(
        'profile',
        'add',
        'office',
        '--set',
        'time.timezone=Asia/Shanghai',
        '--set',
        'accounts.1.registrar=pbx.office',
        ...d,
      )
    ).code,
    0,
  );
  assert.equal(
    (await cli('profile', 'add', 'floor2', '--set', 'accounts.1.registrar=pbx.floor2', ...d)).code,
    0,
  );
  const missing = await cli(
    'device',
    'add',
    '0021f2000020',
    '--vendor',
    'flyingvoice',
    '--profile',
    'nope',
    ...d,
  );
  assert.match(missing.err, /profile "nope" does not exist/);
  assert.equal(
    (
      await cli(
        'device',
        'add',
        '0021f2000020',
        '--vendor',
        'flyingvoice',
        '--profile',
        'office',
        '--profile',
        'floor2',
        '--set',
        'accounts.1.user=2020',
        ...d,
      )
    ).code,
    0,
  );

  const cfg = await cli('render', '0021f2000020', '0021f2000020.cfg', ...d);
  assert.equal(cfg.code, 0, cfg.err);
  assert.match(cfg.out, /^account\.1\.sip_server_host=pbx\.floor2$/m);
  assert.match(cfg.out, /^local_time\.time_zone=\+8$/m);

  const listed = await cli('profile', 'list', ...d);
  assert.match(listed.out, /^office\s+2/m);
  const inUse = await cli('profile', 'rm', 'office', ...d);
  assert.equal(inUse.code, 2);
  assert.match(inUse.err, /PND_PROFILE_IN_USE/);
  assert.equal(
    (await cli('profile', 'set', 'floor2', '--unset', 'accounts.1.registrar', ...d)).code,
    0,
  );
  const after = await cli('render', '0021f2000020', '0021f2000020.cfg', ...d);
  assert.match(after.out, /^account\.1\.sip_server_host=pbx\.office$/m);
});

test('render --explain says where each line came from and hides secrets', async () => {
  const explained = await cli('render', '0021f2000001', '0021f2000001.cfg', '--explain', ...d);
  assert.equal(explained.code, 0, explained.err);
  assert.match(explained.out, /^account\.1\.user_name=1001\s+# accounts\.1\.user/m);
  assert.match(explained.out, /^account\.1\.password=\*{8}/m);
  assert.doesNotMatch(explained.out, /s3cret/);
  const all = await cli('render', '0021f2000001', ...d);
  assert.match(all.out, /==> 0021f2000001\.boot <==/);
  assert.match(all.out, /==> 0021f2000001\.cfg <==/);
  const none = await cli('render', '0021f2000001', 'nope.txt', ...d);
  assert.equal(none.code, 2);
});

test('file put, list, rm and events', async () => {
  const local = join(dir, 'fw.rom');
  writeFileSync(local, Buffer.alloc(100_000, 1));
  const put = await cli('file', 'put', local, 'firmware/fw.rom', ...d);
  assert.equal(put.code, 0, put.err);
  assert.match((await cli('file', 'list', ...d)).out, /^firmware\/fw\.rom\s+100000/m);
  const traversal = await cli('file', 'put', local, '../escape.rom', ...d);
  assert.equal(traversal.code, 2);
  assert.equal((await cli('file', 'rm', 'firmware/fw.rom', ...d)).code, 0);
  const events = await cli('events', '--json', ...d);
  assert.equal(events.code, 0, events.err);
  assert.ok(Array.isArray(JSON.parse(events.out)));
  assert.match((await cli('events', '--mac', 'zz', ...d)).err, /not a MAC/);
});

test('file put and firmware add name a local file they cannot read, and send nothing', async () => {
  for (const args of [
    ['file', 'put'],
    ['firmware', 'add', '--vendor', 'yealink', '--model', 'T46S', '--version', '1'],
  ]) {
    const missing = await cli(...args, join(dir, 'no-such.rom'), ...d);
    assert.equal(missing.code, 2, missing.err);
    assert.match(missing.err, /cannot read .*no-such\.rom \(ENOENT\).*\[PND_INVALID_ARGUMENT\]/);
    const folder = await cli(...args, dir, ...d);
    assert.equal(folder.code, 2, folder.err);
    assert.match(folder.err, /cannot read .*: not a file \[PND_INVALID_ARGUMENT\]/);
  }
  assert.doesNotMatch((await cli('file', 'list', ...d)).out, /no-such/);
});

test('usage errors exit 2 with a message', async () => {
  assert.equal((await cli('frobnicate')).code, 2);
  const noVendor = await cli('device', 'add', '0021f2000099', ...d);
  assert.equal(noVendor.code, 2);
  assert.match(noVendor.err, /--vendor/);
  assert.match((await cli('device', 'add', ...d, '--bogus')).err, /Unknown option '--bogus'/);
  assert.match((await cli('settings')).out, /accounts\.N\.registrar_port/);
  // A key of no form the vendor's phones take is refused, not played as a phone without one.
  const badKey = await cli(
    'simulate',
    '0021f2000099',
    '--vendor',
    'yealink',
    '--url',
    'http://127.0.0.1:9/',
    '--key',
    'short',
  );
  assert.equal(badKey.code, 2, badKey.err);
  assert.match(badKey.err, /--key: not a 16-character Yealink key/);
  // A scheme no phone emulation speaks is refused before anything is fetched.
  for (const url of ['sftp://127.0.0.1/x.cfg', 'gopher://127.0.0.1/']) {
    const simulated = await cli('simulate', '0021f2000099', '--vendor', 'yealink', '--url', url);
    assert.equal(simulated.code, 2, url);
    assert.match(
      simulated.err,
      /--url: expected http:\/\/, https:\/\/, ftp:\/\/ or tftp:\/\//,
      url,
    );
  }
});

test('events filter by reason, failure and security kind; a filter of the other log is refused', async () => {
  const events = tempDir();
  const store = await openStore({ dataDir: events });
  const at = new Date().toISOString();
  const served = {
    at,
    file: '/a.cfg',
    transport: 'http',
    address: '192.0.2.7',
    bytes: 10,
    durationMs: 1,
  } as const;
  await store.appendEvents([
    { ...served, status: 200, mac: '0021f2000001' },
    { ...served, status: 404, reason: 'unknown-device', file: '/0021f2000009.cfg' },
    { ...served, status: 401, reason: 'wrong-credentials', mac: '0021f2000001' },
  ]);
  await store.appendSecurityEvents([
    {
      at,
      kind: 'limit-reached',
      address: '192.0.2.7',
      detail: 'ftp --ftp-sessions-per-address: 8',
    },
    { at, kind: 'admin-token-refused', address: '192.0.2.8' },
  ]);
  await store.close();
  const e = ['--data-dir', events];
  try {
    const json = async (...args: string[]): Promise<{ status?: number; kind?: string }[]> => {
      const shown = await cli('events', ...args, '--json', ...e);
      assert.equal(shown.code, 0, shown.err);
      return JSON.parse(shown.out) as { status?: number; kind?: string }[];
    };
    assert.equal((await json()).length, 3);
    assert.deepEqual(
      (await json('--reason', 'unknown-device')).map((x) => x.status),
      [404],
    );
    assert.deepEqual((await json('--failed')).map((x) => x.status).sort(), [401, 404]);
    assert.deepEqual((await json('--security')).length, 2);
    assert.deepEqual(
      (await json('--security', '--kind', 'limit-reached')).map((x) => x.kind),
      ['limit-reached'],
    );
    const table = await cli('events', '--security', '--kind', 'admin-token-refused', ...e);
    assert.match(table.out, /admin-token-refused\s+192\.0\.2\.8/);
    assert.doesNotMatch(table.out, /limit-reached/);

    const unknownKind = await cli('events', '--security', '--kind', 'bogus', ...e);
    assert.equal(unknownKind.code, 2);
    assert.match(unknownKind.err, /expected one of address-blocked, .*limit-reached/);
    const kindWithoutSecurity = await cli('events', '--kind', 'limit-reached', ...e);
    assert.equal(kindWithoutSecurity.code, 2);
    assert.match(kindWithoutSecurity.err, /--kind is for security events: add --security/);
    const failedWithSecurity = await cli('events', '--security', '--failed', ...e);
    assert.equal(failedWithSecurity.code, 2);
    assert.match(failedWithSecurity.err, /--failed is for provisioning events/);
  } finally {
    rmSync(events, { recursive: true, force: true });
  }
});

test('a word more than an action takes is refused: device set MAC key=value says to use --set', async () => {
  const dir = tempDir();
  const d = ['--data-dir', dir];
  try {
    assert.equal((await cli('device', 'add', '001565000a01', '--vendor', 'yealink', ...d)).code, 0);
    const forgot = await cli('device', 'set', '001565000a01', 'accounts.1.label=Reception', ...d);
    assert.equal(forgot.code, 2);
    assert.match(
      forgot.err,
      /unexpected "accounts\.1\.label=Reception" after the MAC; to change a setting: --set accounts\.1\.label=Reception/,
    );
    const two = await cli('device', 'rm', '001565000a01', '001565000a02', ...d);
    assert.equal(two.code, 2);
    assert.match(two.err, /unexpected "001565000a02" after the MAC/);
    assert.equal((await cli('device', 'show', '001565000a01', ...d)).code, 0, 'still there');
    assert.equal((await cli('profile', 'rm', 'a', 'b', ...d)).code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
