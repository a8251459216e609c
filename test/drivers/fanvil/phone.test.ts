import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { PhoneFetch, PhoneIdentity } from '../../../src/drivers/driver.ts';
import { fanvilDriver } from '../../../src/drivers/fanvil/index.ts';
import { ACCOUNTS, FIRMWARE } from './fixtures.ts';
import { MAC, recognised, context } from './helpers.ts';

const BASE = 'tftp://172.16.6.70/';
const phone: PhoneIdentity = { mac: MAC, vendor: 'fanvil', model: 'X4', firmware: '2.10.2.6887' };

function server(files: Record<string, Buffer>): { fetch: PhoneFetch; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    fetch: async (url) => {
      asked.push(url);
      const body = files[url];
      return body ? { status: 200, body } : { status: 404, body: Buffer.alloc(0) };
    },
  };
}

function rendered(name: string, settings = ACCOUNTS, firmware = false): Buffer {
  return fanvilDriver.render(
    recognised(name),
    context(settings, { baseUrl: BASE, ...(firmware ? { firmware: FIRMWARE } : {}) }),
  )!.body;
}

test('general file, then MAC file; a second run fetches both and applies nothing', async () => {
  const files = {
    [`${BASE}f0X4hw1.100.cfg`]: fanvilDriver.render(
      recognised('f0X4hw1.100.cfg'),
      context({ 'time.timezone': 'Asia/Shanghai' }, { withDevice: false }),
    )!.body,
    [`${BASE}${MAC}.cfg`]: rendered(`${MAC}.cfg`),
  };
  const s = server(files);
  const first = await fanvilDriver.phone.run(phone, BASE, s.fetch);
  assert.equal(first.ok, true);
  assert.deepEqual(s.asked, [`${BASE}f0X4hw1.100.cfg`, `${BASE}${MAC}.cfg`]);
  assert.deepEqual(
    first.steps.map((step) => step.applied),
    [true, true],
  );
  assert.equal(first.settings['SIP1 Phone Number'], '1001');
  // The MAC file is applied after the general one: its time zone wins.
  assert.equal(first.settings['Time Zone'], '4');

  const second = await fanvilDriver.phone.run(phone, BASE, s.fetch, first.memory);
  assert.equal(second.ok, true);
  assert.equal(s.asked.length, 4);
  assert.deepEqual(
    second.steps.map((step) => step.applied),
    [false, false],
  );
  assert.match(second.steps[1]!.note!, /already applied/);
  assert.deepEqual(second.settings, {});

  files[`${BASE}${MAC}.cfg`] = rendered(`${MAC}.cfg`, {
    ...ACCOUNTS,
    'accounts.1.display_name': 'Front',
  });
  const third = await fanvilDriver.phone.run(phone, BASE, s.fetch, second.memory);
  assert.deepEqual(
    third.steps.map((step) => step.applied),
    [false, true],
  );
  assert.equal(third.settings['SIP1 Display Name'], 'Front');
});

test('an advertised image is downloaded once; $input names the file; an encrypted file is read with the key', async () => {
  const key = 'ab'.repeat(32);
  const sealed = fanvilDriver.render(
    recognised('ll.xml'),
    context(
      { ...ACCOUNTS, 'security.config_encryption': true, 'security.config_key': key },
      { baseUrl: BASE, firmware: FIRMWARE },
    ),
  )!.body;
  const s = server({ [`${BASE}ll.xml`]: sealed, [FIRMWARE.url]: Buffer.alloc(1024, 7) });
  const identity = { ...phone, input: 'll.xml', configKey: key };
  const run = await fanvilDriver.phone.run(identity, BASE, s.fetch);
  assert.equal(run.ok, true, JSON.stringify(run.steps));
  assert.deepEqual(s.asked, [`${BASE}f0X4hw1.100.cfg`, `${BASE}ll.xml`, FIRMWARE.url]);
  assert.equal(run.steps[2]!.applied, true);
  assert.equal(run.memory?.['image'], FIRMWARE.url);

  const again = await fanvilDriver.phone.run(identity, BASE, s.fetch, run.memory);
  assert.equal(s.asked.filter((url) => url === FIRMWARE.url).length, 1);
  assert.match(again.steps[2]!.note!, /already installed/);

  const wrongKey = await fanvilDriver.phone.run(
    { ...identity, configKey: 'cd'.repeat(32) },
    BASE,
    s.fetch,
  );
  assert.equal(wrongKey.ok, false);
});

test('nothing to fetch is a failed run', async () => {
  const run = await fanvilDriver.phone.run(phone, BASE, server({}).fetch);
  assert.equal(run.ok, false);
  assert.equal(run.steps.length, 2);
});
