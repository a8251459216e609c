import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { PhoneFetch, PhoneIdentity } from '../../../src/drivers/driver.ts';
import { cfgKeyOf, encryptCfg } from '../../../src/drivers/yealink/encryption.ts';
import { parseBoot } from '../../../src/formats/cfg.ts';
import { yealinkDriver } from '../../../src/drivers/yealink/index.ts';
import type { Mac } from '../../../src/model/mac.ts';
import { golden } from './helpers.ts';

const BASE = 'http://10.0.0.5/prov/';

/** An in-memory server that also takes PUTs: what was asked, how, and what it now holds. */
function server(files: Record<string, string>): {
  fetch: PhoneFetch;
  asked: string[];
  files: Record<string, string>;
} {
  const asked: string[] = [];
  const fetch: PhoneFetch = async (url, options) => {
    if (options?.upload) {
      asked.push(`PUT ${url}`);
      files[url] = options.upload.toString('utf8');
      return { status: 204, body: Buffer.alloc(0) };
    }
    asked.push(url);
    const body = files[url];
    return body === undefined
      ? { status: 404, body: Buffer.alloc(0) }
      : { status: 200, body: Buffer.from(body, 'utf8') };
  };
  return { fetch, asked, files };
}

test("a Yealink phone without boot files: its model's common file, then its MAC file (the guide's T23G)", async () => {
  // Yealink SIP-T2 Series IP Phones Auto Provisioning Guide, "Downloading and Verifying
  // Configurations", scenario SIP-T23G MAC 001565770984 (p. 55): y000000000044.cfg and
  // 001565770984.cfg in sequence; the boot files come first since V81 (Yealink VP59 Auto
  // Provisioning Guide, "Downloading Boot, Configuration and Resource Files", p. 49).
  const phone: PhoneIdentity = {
    mac: '001565770984' as Mac,
    vendor: 'yealink',
    model: 'T23G',
    firmware: '44.84.0.140',
  };
  const s = server({
    [`${BASE}y000000000044.cfg`]: 'lang.gui=English\n',
    [`${BASE}001565770984.cfg`]: 'account.1.user_name=1001\n',
  });
  const run = await yealinkDriver.phone.run(phone, BASE, s.fetch);
  assert.equal(run.ok, true);
  assert.deepEqual(s.asked, [
    `${BASE}001565770984.boot`,
    `${BASE}y000000000000.boot`,
    `${BASE}y000000000044.cfg`,
    `${BASE}001565770984.cfg`,
  ]);
  assert.deepEqual(run.settings, { 'lang.gui': 'English', 'account.1.user_name': '1001' });
  assert.equal(
    yealinkDriver.phone.userAgent(phone),
    'Yealink SIP-T23G 44.84.0.140 00:15:65:77:09:84',
  );
});

test('a W52P asks for y000000000025.cfg; a DECT base names itself without SIP-', async () => {
  // Yealink W52P IP DECT Phones Auto Provisioning Guide, p. 35: y000000000025.cfg, then <MAC>.cfg.
  const phone: PhoneIdentity = { mac: '001565000052' as Mac, vendor: 'yealink', model: 'W52P' };
  const s = server({ [`${BASE}y000000000025.cfg`]: 'a=1\n' });
  await yealinkDriver.phone.run(phone, BASE, s.fetch);
  assert.equal(s.asked[2], `${BASE}y000000000025.cfg`);
  assert.match(yealinkDriver.phone.userAgent({ ...phone, model: 'W70B' }), /^Yealink W70B /);
});

test('local changes: read back from the server and applied last, sent again only when they differ', async () => {
  const mac = '00156574b150' as Mac;
  const phone: PhoneIdentity = { mac, vendor: 'yealink', model: 'T54W' };
  const s = server({
    [`${BASE}${mac}.boot`]:
      'include:config "y000000000096.cfg"\ninclude:config "00156574b150.cfg"\n',
    [`${BASE}y000000000096.cfg`]: 'lang.gui=English\n',
    [`${BASE}${mac}.cfg`]: [
      'static.auto_provision.custom.protect=1',
      'static.auto_provision.custom.sync=1',
      'static.auto_provision.custom.upload_method=0',
      `static.auto_provision.custom.sync.path=${BASE}`,
      'static.auto_provision.local_contact.backup.enable=1',
      'linekey.1.label=Server',
      '',
    ].join('\n'),
  });
  const local = '#!version:1.0.0.1\nlinekey.1.label=Mine\n';
  const first = await yealinkDriver.phone.run(phone, BASE, s.fetch, { 'local.cfg': local });
  assert.equal(first.ok, true);
  assert.deepEqual(s.asked.slice(3), [
    `${BASE}${mac}-local.cfg`,
    `PUT ${BASE}${mac}-local.cfg`,
    `${BASE}${mac}-contact.xml`,
    `PUT ${BASE}${mac}-contact.xml`,
  ]);
  assert.equal(s.files[`${BASE}${mac}-local.cfg`], local);
  assert.match(s.files[`${BASE}${mac}-contact.xml`]!, /<root_contact>/);
  assert.equal(first.memory?.['local.cfg'], local);

  // Next boot: the server's copy is the phone's own; it is applied over the MAC file, nothing is sent.
  s.asked.length = 0;
  const second = await yealinkDriver.phone.run(phone, BASE, s.fetch, first.memory);
  assert.ok(!s.asked.some((a) => a.startsWith('PUT ')), s.asked.join(' '));
  assert.equal(second.settings['linekey.1.label'], 'Mine');
});

test('over TFTP the phone reads its local files but cannot send them', async () => {
  const mac = '00156574b150' as Mac;
  const tftp = 'tftp://10.0.0.5/';
  const s = server({
    [`${tftp}${mac}.boot`]: 'include:config "00156574b150.cfg"\n',
    [`${tftp}${mac}.cfg`]: 'static.auto_provision.custom.sync=1\n',
  });
  const run = await yealinkDriver.phone.run({ mac, vendor: 'yealink' }, tftp, s.fetch);
  assert.ok(!s.asked.some((a) => a.startsWith('PUT ')));
  assert.match(run.steps.at(-1)!.note ?? '', /uploads go over HTTP/);
});

test('firmware: its own image and a DECT base its handsets, each fetched once', async () => {
  const phone: PhoneIdentity = { mac: '805ec0000077' as Mac, vendor: 'yealink', model: 'W60B' };
  const fw = `${BASE}firmware/yealink/`;
  const s = server({
    [`${BASE}805ec0000077.boot`]: 'include:config "805ec0000077.cfg"\n',
    [`${BASE}805ec0000077.cfg`]: [
      `static.firmware.url=${fw}W60B/77.85.0.25/W60B-77.85.0.25.rom`,
      `over_the_air.url.w56h=${fw}W56H/61.87.0.5/W56H-61.87.0.5.rom`,
      '',
    ].join('\n'),
    [`${fw}W60B/77.85.0.25/W60B-77.85.0.25.rom`]: 'BASE',
    [`${fw}W56H/61.87.0.5/W56H-61.87.0.5.rom`]: 'HANDSET',
  });
  const first = await yealinkDriver.phone.run(phone, BASE, s.fetch);
  assert.deepEqual(s.asked.slice(2), [
    `${fw}W60B/77.85.0.25/W60B-77.85.0.25.rom`,
    `${fw}W56H/61.87.0.5/W56H-61.87.0.5.rom`,
  ]);
  assert.deepEqual(
    first.steps.slice(2).map((step) => step.note),
    ['installed', 'installed'],
  );
  s.asked.length = 0;
  await yealinkDriver.phone.run(phone, BASE, s.fetch, first.memory);
  assert.equal(s.asked.length, 2, 'installed images are not fetched again');
});

test("golden: the administrator guide's boot file example is followed to its absolute include", async () => {
  // Administrator's Guide for SIP-T2 Series/T19(P) E2/T4 Series IP Phones, "Boot Files"
  // (p. 126): the include lines and overwrite_mode as the page prints them, the one include
  // whose URL it shows.
  const text = golden('yealink-guide.boot');
  const parsed = parseBoot(text);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value, {
    includes: ['http://10.2.5.206/configure/account.cfg'],
    overwriteMode: true,
  });
  const s = server({
    [`${BASE}001565770984.boot`]: text,
    'http://10.2.5.206/configure/account.cfg': 'account.1.user_name=1001\n',
  });
  const run = await yealinkDriver.phone.run(
    { mac: '001565770984' as Mac, vendor: 'yealink' },
    BASE,
    s.fetch,
  );
  assert.equal(run.ok, true);
  assert.deepEqual(s.asked, [
    `${BASE}001565770984.boot`,
    'http://10.2.5.206/configure/account.cfg',
  ]);
});

test('an encrypted cfg is opened with the key the phone holds (--key); without it, or with another, the boot fails and says why', async () => {
  const phone: PhoneIdentity = { mac: '001565770984' as Mac, vendor: 'yealink', model: 'T23G' };
  const key = 'Ab3dEf6hIj9lMn2p';
  const sealed = encryptCfg(
    Buffer.from('#!version:1.0.0.1\naccount.1.user_name=1001\n'),
    cfgKeyOf(key)!,
  );
  const fetch: PhoneFetch = async (url) =>
    url === `${BASE}001565770984.cfg`
      ? { status: 200, body: sealed }
      : { status: 404, body: Buffer.alloc(0) };
  const opened = await yealinkDriver.phone.run({ ...phone, configKey: key }, BASE, fetch);
  assert.equal(opened.ok, true, JSON.stringify(opened.steps));
  assert.equal(opened.settings['account.1.user_name'], '1001');
  for (const [held, why] of [
    [undefined, /the phone holds no key/],
    ['Zz3dEf6hIj9lMn2p', /the key the phone holds does not open it/],
  ] as const) {
    const run = await yealinkDriver.phone.run(
      { ...phone, ...(held ? { configKey: held } : {}) },
      BASE,
      fetch,
    );
    assert.equal(run.ok, false, held);
    assert.ok(
      run.steps.some((step) => why.test(step.note ?? '')),
      JSON.stringify(run.steps),
    );
  }
});
