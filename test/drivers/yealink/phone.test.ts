import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { PhoneFetch, PhoneIdentity } from '../../../src/drivers/driver.ts';
import { yealinkDriver } from '../../../src/drivers/yealink/index.ts';
import { MAX_INCLUDES } from '../../../src/drivers/yealink/phone.ts';
import type { Settings } from '../../../src/model/settings.ts';
import { MAC, WINTER, device } from './helpers.ts';

const phone: PhoneIdentity = {
  mac: MAC,
  vendor: 'flyingvoice',
  model: 'FIP14G',
  firmware: 'V0.5.15',
};
const BASE = 'http://10.20.0.92/prov/';

/** An in-memory server: a URL → body table, recording what was asked and by whom. */
function fakeServer(files: Record<string, string>): {
  fetch: PhoneFetch;
  asked: string[];
  agents: string[];
} {
  const asked: string[] = [];
  const agents: string[] = [];
  const fetch: PhoneFetch = async (url, options) => {
    asked.push(url);
    agents.push(options?.userAgent ?? '');
    const body = files[url];
    return body === undefined
      ? { status: 404, body: Buffer.alloc(0) }
      : { status: 200, body: Buffer.from(body, 'utf8') };
  };
  return { fetch, asked, agents };
}

test('userAgent looks like the real phone', () => {
  assert.equal(yealinkDriver.phone.userAgent(phone), 'Flyingvoice FIP14G V0.5.15 0021f2000001');
  assert.equal(
    yealinkDriver.phone.userAgent({ mac: MAC, vendor: 'yealink' }),
    'Yealink SIP-T46S 66.86.0.15 00:21:f2:00:00:01',
  );
  // What the phone sends, the driver reads back.
  for (const identity of [
    phone,
    { mac: MAC, vendor: 'yealink', model: 'SIP-T54W', firmware: '96.86.0.70' },
  ]) {
    const facts = yealinkDriver.parseUserAgent(yealinkDriver.phone.userAgent(identity));
    assert.deepEqual(facts, {
      vendor: identity.vendor,
      model: identity.model,
      firmware: identity.firmware,
      mac: MAC,
    });
  }
});

test('the phone asks <mac>, <mac>.boot, then follows the boot file includes in order', async () => {
  const commonCfg = 'local_time.time_zone=+8\naccount.1.label=common\nlang.gui=English\n';
  const server = fakeServer({
    [`${BASE}${MAC}.boot`]:
      'include:config <y000000000000.cfg>\ninclude:config "sub/site.cfg"\ninclude:config "0021f2000001.cfg"\n',
    [`${BASE}y000000000000.cfg`]: commonCfg,
    [`${BASE}sub/site.cfg`]: 'lang.gui=German\n',
    [`${BASE}${MAC}.cfg`]: '#!version:1.0.0.1\naccount.1.label=%NULL%\naccount.1.user_name=1001\n',
  });
  const run = await yealinkDriver.phone.run(phone, BASE, server.fetch);
  assert.equal(run.ok, true);
  assert.deepEqual(server.asked, [
    `${BASE}${MAC}`,
    `${BASE}${MAC}.boot`,
    `${BASE}y000000000000.cfg`,
    `${BASE}sub/site.cfg`,
    `${BASE}${MAC}.cfg`,
  ]);
  assert.ok(server.agents.every((agent) => agent === 'Flyingvoice FIP14G V0.5.15 0021f2000001'));
  assert.deepEqual(run.settings, {
    'local_time.time_zone': '+8',
    'account.1.label': '',
    'lang.gui': 'German',
    'account.1.user_name': '1001',
  });
  assert.deepEqual(
    run.steps.map((s) => [s.url, s.status, s.applied]),
    [
      [`${BASE}${MAC}`, 404, false],
      [`${BASE}${MAC}.boot`, 200, true],
      [`${BASE}y000000000000.cfg`, 200, true],
      [`${BASE}sub/site.cfg`, 200, true],
      [`${BASE}${MAC}.cfg`, 200, true],
    ],
  );
  assert.equal(run.steps[0]!.note, 'not found');
  assert.equal(run.steps[2]!.bytes, Buffer.byteLength(commonCfg));
});

test('the bare MAC answers first when the server has it, and the common boot file is the last resort', async () => {
  const bare = fakeServer({
    [`${BASE}${MAC}`]: 'include:config "a.cfg"\n',
    [`${BASE}a.cfg`]: 'a=1\n',
  });
  const first = await yealinkDriver.phone.run(phone, BASE, bare.fetch);
  assert.equal(first.ok, true);
  assert.deepEqual(bare.asked, [`${BASE}${MAC}`, `${BASE}a.cfg`]);

  const common = fakeServer({
    [`${BASE}y000000000000.boot`]: 'include:config "a.cfg"\n',
    [`${BASE}a.cfg`]: 'a=1\n',
  });
  const last = await yealinkDriver.phone.run(phone, BASE, common.fetch);
  assert.equal(last.ok, true);
  assert.deepEqual(common.asked, [
    `${BASE}${MAC}`,
    `${BASE}${MAC}.boot`,
    `${BASE}y000000000000.boot`,
    `${BASE}a.cfg`,
  ]);
  assert.deepEqual(last.settings, { a: '1' });
});

test('absolute include URLs are fetched as they are', async () => {
  const server = fakeServer({
    [`${BASE}${MAC}.boot`]:
      'include:config <test.cfg>\ninclude:config "http://10.20.0.92/mac.cfg"\n',
    [`${BASE}test.cfg`]: 'a=1\nb=1\n',
    'http://10.20.0.92/mac.cfg': 'b=2\n',
  });
  const run = await yealinkDriver.phone.run(phone, BASE, server.fetch);
  assert.equal(run.ok, true);
  assert.deepEqual(server.asked.slice(2), [`${BASE}test.cfg`, 'http://10.20.0.92/mac.cfg']);
  assert.deepEqual(run.settings, { a: '1', b: '2' });
});

test('a boot file whose include is missing fails the run, and the other includes still apply', async () => {
  const server = fakeServer({
    [`${BASE}${MAC}.boot`]: 'include:config "gone.cfg"\ninclude:config "here.cfg"\n',
    [`${BASE}here.cfg`]: 'a=1\n',
  });
  const run = await yealinkDriver.phone.run(phone, BASE, server.fetch);
  assert.equal(run.ok, false);
  assert.deepEqual(run.settings, { a: '1' });
  const gone = run.steps.find((s) => s.url.endsWith('gone.cfg'));
  assert.deepEqual(gone, {
    url: `${BASE}gone.cfg`,
    status: 404,
    bytes: 0,
    applied: false,
    note: 'not found',
  });
});

test('without a boot file the phone fetches the common cfg, then the MAC cfg', async () => {
  const server = fakeServer({
    [`${BASE}y000000000000.cfg`]: 'a=1\nb=1\n',
    [`${BASE}${MAC}.cfg`]: 'b=2\n',
  });
  const run = await yealinkDriver.phone.run(phone, BASE, server.fetch);
  assert.equal(run.ok, true);
  assert.deepEqual(server.asked, [
    `${BASE}${MAC}`,
    `${BASE}${MAC}.boot`,
    `${BASE}y000000000000.boot`,
    `${BASE}y000000000000.cfg`,
    `${BASE}${MAC}.cfg`,
  ]);
  assert.deepEqual(run.settings, { a: '1', b: '2' });
  // An unknown phone gets the common file only: still a successful run.
  const unknown = await yealinkDriver.phone.run(
    phone,
    BASE,
    fakeServer({ [`${BASE}y000000000000.cfg`]: 'a=1\n' }).fetch,
  );
  assert.equal(unknown.ok, true);
});

test('nothing at all to fetch, a failing network or a broken file is a failed run, never a throw', async () => {
  const empty = await yealinkDriver.phone.run(phone, BASE, fakeServer({}).fetch);
  assert.equal(empty.ok, false);
  assert.equal(empty.steps.length, 5);
  assert.deepEqual(empty.settings, {});

  const down = await yealinkDriver.phone.run(phone, BASE, async () => {
    throw new Error('connect ECONNREFUSED 10.20.0.92:80');
  });
  assert.equal(down.ok, false);
  assert.equal(down.steps[0]!.status, 0);
  assert.match(down.steps[0]!.note ?? '', /ECONNREFUSED/);

  const badBoot = await yealinkDriver.phone.run(
    phone,
    BASE,
    fakeServer({ [`${BASE}${MAC}.boot`]: 'this is not a boot file\n' }).fetch,
  );
  assert.equal(badBoot.ok, false);
  assert.equal(badBoot.steps.at(-1)!.applied, false);

  const badCfg = await yealinkDriver.phone.run(
    phone,
    BASE,
    fakeServer({ [`${BASE}y000000000000.cfg`]: 'not key value\n' }).fetch,
  );
  assert.equal(badCfg.ok, false);

  const badBase = await yealinkDriver.phone.run(phone, 'not a url', fakeServer({}).fetch);
  assert.equal(badBase.ok, false);
});

test('a password in the server URL is used but never shown in the steps', async () => {
  const base = 'ftp://test1:123456@10.3.6.234/';
  const server = fakeServer({ [`${base}y000000000000.cfg`]: 'a=1\n' });
  const run = await yealinkDriver.phone.run(phone, base, server.fetch);
  assert.equal(run.ok, true);
  assert.ok(server.asked.every((url) => url.startsWith(base)));
  assert.ok(run.steps.every((s) => !s.url.includes('123456')));
});

test('end to end: the phone applies what the driver renders, the MAC file over the common file', async () => {
  const common: Settings = { 'time.timezone': 'Asia/Shanghai', 'accounts.1.label': 'common' };
  const own: Settings = { ...common, 'accounts.1.user': '1001', 'accounts.1.label': 'Reception' };
  const fetch: PhoneFetch = async (url) => {
    const path = new URL(url).pathname.split('/').filter(Boolean);
    const recognition = yealinkDriver.recognise({ segments: path, query: '', transport: 'http' });
    if (!recognition) return { status: 404, body: Buffer.alloc(0) };
    const artifact = yealinkDriver.render(recognition, {
      vendor: 'flyingvoice',
      settings: recognition.needsDevice ? own : common,
      baseUrl: BASE,
      now: WINTER,
      ...(recognition.needsDevice ? { device: device(own) } : {}),
    });
    return artifact ? { status: 200, body: artifact.body } : { status: 404, body: Buffer.alloc(0) };
  };
  const run = await yealinkDriver.phone.run(phone, BASE, fetch);
  assert.equal(run.ok, true);
  assert.deepEqual(
    run.steps.map((s) => s.url),
    [`${BASE}${MAC}`, `${BASE}y000000000000.cfg`, `${BASE}${MAC}.cfg`],
  );
  assert.deepEqual(run.settings, {
    'account.1.label': 'Reception',
    'local_time.time_zone': '+8',
    'local_time.summer_time': '0',
    'account.1.enable': '1',
    'account.1.auth_name': '1001',
    'account.1.user_name': '1001',
  });
});

test('a boot file naming too many files is cut short and reported', async () => {
  const names = Array.from({ length: MAX_INCLUDES + 1 }, (_, i) => `f${i}.cfg`);
  const files: Record<string, string> = {
    [`${BASE}${MAC}.boot`]: names.map((n) => `include:config "${n}"`).join('\n'),
  };
  for (const name of names) files[`${BASE}${name}`] = `${name}=1\n`;
  const server = fakeServer(files);
  const run = await yealinkDriver.phone.run(phone, BASE, server.fetch);
  assert.equal(run.ok, false);
  assert.equal(server.asked.length, 2 + MAX_INCLUDES);
  assert.match(run.steps[1]!.note ?? '', /first 64 of 65/);
});
