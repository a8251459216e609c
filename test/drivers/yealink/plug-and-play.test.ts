import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { PhoneFetch, PnpContext, PnpSubscribe } from '../../../src/drivers/driver.ts';
import { yealinkDriver } from '../../../src/drivers/yealink/index.ts';
import type { Mac } from '../../../src/model/mac.ts';
import { MAC, device } from './helpers.ts';

const SEED_MAC = '0021f222b01d' as Mac;

function subscribe(overrides: Partial<PnpSubscribe> = {}): PnpSubscribe {
  return { mac: SEED_MAC, macForm: 'MAC', ...overrides };
}

function context(overrides: Partial<PnpContext> = {}): PnpContext {
  return { vendor: 'flyingvoice', settings: {}, doors: {}, ...overrides };
}

test('claims by Event vendor, then by model, then by MAC block, then by the bare MAC form', () => {
  const claims = yealinkDriver.claimsPnp!;
  assert.deepEqual(claims(subscribe({ vendor: 'Yealink', mac: 'aabbcc000001' as Mac })), {
    vendor: 'yealink',
    score: 100,
  });
  assert.deepEqual(claims(subscribe({ vendor: 'FlyingVoice' })), {
    vendor: 'flyingvoice',
    score: 100,
  });
  assert.deepEqual(claims(subscribe({ model: 'FIP14G', mac: 'aabbcc000001' as Mac })), {
    vendor: 'flyingvoice',
    score: 90,
  });
  assert.deepEqual(claims(subscribe()), { vendor: 'flyingvoice', score: 60 });
  assert.deepEqual(claims(subscribe({ mac: '805ec0123456' as Mac, macForm: 'MAC%3a' })), {
    vendor: 'yealink',
    score: 60,
  });
  assert.deepEqual(claims(subscribe({ mac: 'aabbcc000001' as Mac })), {
    vendor: 'flyingvoice',
    score: 10,
  });
  assert.equal(claims(subscribe({ mac: 'aabbcc000001' as Mac, macForm: 'MAC%3a' })), undefined);
});

test('the URL: the boot file on TFTP as in seed 001, else HTTPS, else HTTP; common for strangers', () => {
  const url = yealinkDriver.plugAndPlayUrl!;
  const doors = { http: 'http://192.168.50.18:8080', tftp: 'tftp://192.168.50.18' };
  const known = context({ device: device({}, 'flyingvoice', SEED_MAC), doors });
  assert.equal(url(subscribe(), known), 'tftp://192.168.50.18/0021f222b01d.boot');
  assert.equal(url(subscribe(), context({ doors })), 'tftp://192.168.50.18/y000000000000.boot');
  assert.equal(
    url(subscribe(), { ...known, doors: { http: 'http://192.168.50.18:8080' } }),
    'http://192.168.50.18:8080/0021f222b01d.boot',
  );
  assert.equal(
    url(subscribe(), {
      ...known,
      doors: { http: 'http://10.0.0.5', https: 'https://prov.example.com/phones/' },
    }),
    'https://prov.example.com/phones/0021f222b01d.boot',
  );
  assert.equal(url(subscribe(), context()), undefined);
});

test('check-sync, with reboot=true when asked (seed 001)', () => {
  const d = device({});
  assert.equal(yealinkDriver.checkSync!(d, { reboot: false }), 'check-sync');
  assert.equal(yealinkDriver.checkSync!(d, { reboot: true }), 'check-sync;reboot=true');
});

test("the phone's SUBSCRIBE carries the bare MAC form and its agent's model and firmware", () => {
  assert.deepEqual(
    yealinkDriver.phone.plugAndPlay!({ mac: MAC, vendor: 'flyingvoice', model: 'FIP16' }),
    { user: 'MAC0021f2000001', vendor: 'Flyingvoice', model: 'FIP16', version: 'V0.5.15' },
  );
  assert.deepEqual(yealinkDriver.phone.plugAndPlay!({ mac: MAC, vendor: 'yealink' }), {
    user: 'MAC0021f2000001',
    vendor: 'Yealink',
    model: 'SIP-T46S',
    version: '66.86.0.15',
  });
});

test('given a boot file URL the phone follows it; given a cfg URL it applies that file alone', async () => {
  const files: Record<string, string> = {
    'tftp://10.0.0.5/0021f2000001.boot':
      '#!version:1.0.0.1\ninclude:config "y000000000000.cfg"\ninclude:config "0021f2000001.cfg"\n',
    'tftp://10.0.0.5/y000000000000.cfg': 'lang.gui=English\n',
    'tftp://10.0.0.5/0021f2000001.cfg': 'account.1.user_name=1001\n',
  };
  const asked: string[] = [];
  const fetch: PhoneFetch = async (url) => {
    asked.push(url);
    const body = files[url];
    return body === undefined
      ? { status: 404, body: Buffer.alloc(0) }
      : { status: 200, body: Buffer.from(body) };
  };
  const phone = { mac: MAC, vendor: 'flyingvoice' };
  const run = await yealinkDriver.phone.run(phone, 'tftp://10.0.0.5/0021f2000001.boot', fetch);
  assert.equal(run.ok, true);
  assert.deepEqual(asked, [
    'tftp://10.0.0.5/0021f2000001.boot',
    'tftp://10.0.0.5/y000000000000.cfg',
    'tftp://10.0.0.5/0021f2000001.cfg',
  ]);
  assert.deepEqual(run.settings, { 'lang.gui': 'English', 'account.1.user_name': '1001' });

  asked.length = 0;
  const cfg = await yealinkDriver.phone.run(phone, 'tftp://10.0.0.5/0021f2000001.cfg', fetch);
  assert.equal(cfg.ok, true);
  assert.deepEqual(asked, ['tftp://10.0.0.5/0021f2000001.cfg']);

  const missing = await yealinkDriver.phone.run(phone, 'tftp://10.0.0.5/nothere.boot', fetch);
  assert.equal(missing.ok, false);
});
