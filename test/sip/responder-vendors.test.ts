import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { auerswaldDriver } from '../../src/drivers/auerswald/index.ts';
import type { Driver } from '../../src/drivers/driver.ts';
import { fanvilDriver } from '../../src/drivers/fanvil/index.ts';
import { gigasetDriver } from '../../src/drivers/gigaset/index.ts';
import { oemDriver } from '../../src/drivers/oem/index.ts';
import { drivers } from '../../src/drivers/registry.ts';
import { addDevices } from '../../src/management/devices.ts';
import type { Mac } from '../../src/model/mac.ts';
import { doorUrls } from '../../src/config/door-urls.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import { startSipDoor, type SipDoor } from '../../src/sip/door.ts';
import type { SipRequest } from '../../src/sip/message.ts';
import { pnpSubscribe } from '../../src/sip/pnp.ts';
import { serializeMessage } from '../../src/sip/serialize.ts';
import { tempDir } from '../support/harness.ts';
import { TestPhone, body, header, isRequest, isResponse } from './support.ts';

// Each vendor's phone, as its driver's emulation writes the SUBSCRIBE (its own MAC form and
// Event), against the responder on loopback: a device, and a stranger known by its Event only.
const HTTP = 'http://127.0.0.1:8080';
const CASES: {
  driver: Driver;
  vendor: string;
  mac: Mac;
  stranger: Mac;
  user: RegExp;
  url: (mac: Mac) => string;
}[] = [
  {
    driver: fanvilDriver,
    vendor: 'fanvil',
    mac: '0c383e07e16c' as Mac,
    stranger: '02aa00000001' as Mac,
    user: /^MAC=[0-9a-f]{12}$/,
    url: () => `${HTTP}/`,
  },
  {
    driver: gigasetDriver,
    vendor: 'gigaset',
    mac: '7c2f80000001' as Mac,
    stranger: '02aa00000002' as Mac,
    user: /^MAC%3a[0-9a-f]{12}$/,
    url: (mac) => `${HTTP}/gigaset/${mac.toUpperCase()}`,
  },
  {
    driver: auerswaldDriver,
    vendor: 'auerswald',
    mac: '00095200000e' as Mac,
    stranger: '02aa00000003' as Mac,
    user: /^MAC%3A[0-9A-F]{12}$/,
    url: () => `${HTTP}/auerswald/{mac}.xml?sn={serial}&hw={type}`,
  },
  {
    driver: oemDriver,
    vendor: 'oem',
    mac: '00908f0a1b2c' as Mac,
    stranger: '02aa00000004' as Mac,
    user: /^MAC:[0-9a-f]{12}$/,
    url: () => `${HTTP}/`,
  },
];

let dir: string;
let runtime: Runtime;
let sip: SipDoor;
const phones: TestPhone[] = [];

before(async () => {
  dir = tempDir();
  runtime = await openRuntime({ dataDir: dir });
  await addDevices(
    runtime.store,
    CASES.map((c) => ({ mac: c.mac, vendor: c.vendor })),
    new Date(),
  );
  sip = await startSipDoor({
    host: '127.0.0.1',
    port: 0,
    interfaces: 'none',
    unknown: 'pending-answer',
    store: runtime.store,
    drivers,
    recorder: runtime.recorder,
    doorUrls: (reachedAt) =>
      doorUrls(
        { tftp: { host: '0.0.0.0', port: 69 }, http: { host: '0.0.0.0', port: 8080 } },
        { reachedAt },
      ),
    timers: { t1: 100, t2: 400 },
  });
});

after(async () => {
  for (const p of phones) await p.close();
  await sip.close();
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One SUBSCRIBE as the vendor's emulated phone sends it; the URL its NOTIFY carries. */
async function askFor(c: (typeof CASES)[number], mac: Mac): Promise<string> {
  const p = await TestPhone.open();
  phones.push(p);
  const identity = { mac, vendor: c.vendor };
  const announcement = c.driver.phone.plugAndPlay!(identity);
  assert.match(announcement.user, c.user);
  const request = pnpSubscribe(announcement, {
    local: { address: '127.0.0.1', port: p.port },
    server: { address: '127.0.0.1', port: sip.address.port },
    userAgent: c.driver.phone.userAgent(identity),
  });
  p.send(serializeMessage(request), sip.address.port);
  await p.next(isResponse(200));
  const notify = (await p.next(isRequest('NOTIFY'))) as SipRequest;
  assert.equal(header(notify, 'Content-Type'), 'application/url');
  assert.equal(notify.uri, `sip:${announcement.user}@127.0.0.1:${p.port}`);
  p.answer(notify, 200, 'OK', sip.address.port);
  return body(notify);
}

describe("each vendor's plug-and-play SUBSCRIBE on loopback", () => {
  for (const c of CASES) {
    test(`${c.vendor}: a device gets its URL, and so does a stranger its Event names`, async () => {
      assert.equal(await askFor(c, c.mac), c.url(c.mac));
      assert.equal(await askFor(c, c.stranger), c.url(c.stranger));
      const pending = await runtime.store.listPendingPhones();
      assert.equal(pending.find((x) => x.mac === c.stranger)?.vendor, c.vendor);
      await runtime.recorder.flush();
      const events = await runtime.store.queryEvents({ mac: c.mac });
      assert.equal(events[0]?.transport, 'sip');
      assert.equal(events[0]?.driver, c.driver.name);
    });
  }
});
