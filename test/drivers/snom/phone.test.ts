import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { PhoneFetch, PhoneIdentity } from '../../../src/drivers/driver.ts';
import { snomDriver } from '../../../src/drivers/snom/index.ts';
import type { Settings } from '../../../src/model/settings.ts';
import { BASE, MAC, context, recognised } from './helpers.ts';

const phone: PhoneIdentity = { mac: MAC, vendor: 'snom', model: 'D345', firmware: '10.1.33.33' };
const ACCOUNT: Settings = {
  'accounts.1.user': '1001',
  'accounts.1.password': 's3cret',
  'accounts.1.registrar': 'pbx.example.com',
};

/** The driver as a server: any name it renders, by URL. */
function server(
  settings: Settings,
  options: { credentials?: { username: string; password: string } } = {},
) {
  const asked: { url: string; credentials?: string }[] = [];
  const fetch: PhoneFetch = async (url, opts) => {
    asked.push({ url, ...(opts?.credentials ? { credentials: opts.credentials.username } : {}) });
    if (!url.startsWith(BASE)) return { status: 404, body: Buffer.alloc(0) };
    const name = url.slice(BASE.length);
    const recognition = snomDriver.recognise({ segments: [name], query: '', transport: 'http' });
    const common = recognition && !recognition.needsDevice;
    const artifact =
      recognition &&
      snomDriver.render(
        recognition,
        context(settings, {
          withDevice: !common,
          contacts: [{ name: 'Adrian', office: '42965' }],
          ...options,
        }),
      );
    return artifact ? { status: 200, body: artifact.body } : { status: 404, body: Buffer.alloc(0) };
  };
  return { fetch, asked };
}

test('the model list and its settings, the MAC list, its settings and directory; a second boot applies nothing', async () => {
  const s = server(ACCOUNT);
  const first = await snomDriver.phone.run(phone, BASE, s.fetch);
  assert.equal(first.ok, true, JSON.stringify(first.steps));
  assert.deepEqual(
    s.asked.map((a) => a.url),
    [
      `${BASE}snomD345.htm`,
      `${BASE}snomD345.xml`,
      `${BASE}snomD345-000413A11FA7.htm`,
      `${BASE}000413A11FA7.xml`,
      `${BASE}000413A11FA7-tbook.xml`,
    ],
  );
  assert.equal(first.settings['user_name[1]'], '1001');
  assert.equal(first.settings['tbook[0]'], 'Adrian 42965');
  const second = await snomDriver.phone.run(phone, BASE, s.fetch, first.memory);
  assert.deepEqual(
    second.steps.filter((step) => step.applied),
    [],
  );
  assert.match(second.steps[3]!.note!, /unchanged/);
});

test('a setting server with credentials: presented from the next request on, and kept', async () => {
  const credentials = { username: MAC, password: 'Gen3rated' };
  const s = server(ACCOUNT, { credentials });
  const first = await snomDriver.phone.run(phone, BASE, s.fetch);
  assert.deepEqual(
    s.asked.map((a) => a.credentials),
    [undefined, undefined, undefined, undefined, MAC],
  );
  await snomDriver.phone.run(phone, BASE, s.fetch, first.memory);
  assert.equal(s.asked[5]!.credentials, MAC);
});

test('firmware_status with auto_update: the firmware file, then the image once', async () => {
  const firmware = {
    vendor: 'snom',
    model: 'D345',
    version: '10.1.184.15',
    fileName: 'snomD345.bin',
    size: 3,
    sha256: 'ab'.repeat(32),
    url: `${BASE}firmware/snom/D345/10.1.184.15/snomD345.bin`,
  };
  const inner = server(ACCOUNT, {});
  const fetch: PhoneFetch = async (url, opts) => {
    if (url === firmware.url) return { status: 200, body: Buffer.from('img') };
    const name = url.slice(BASE.length);
    const recognition = recognised(name);
    const artifact = snomDriver.render(
      recognition,
      context(ACCOUNT, { withDevice: recognition.needsDevice, firmware }),
    );
    void opts;
    return artifact ? { status: 200, body: artifact.body } : inner.fetch(url, opts);
  };
  const first = await snomDriver.phone.run(phone, BASE, fetch);
  assert.equal(first.ok, true, JSON.stringify(first.steps));
  assert.equal(first.steps.at(-1)!.note, 'image installed; the phone reboots');
  const second = await snomDriver.phone.run(phone, BASE, fetch, first.memory);
  assert.equal(second.steps.at(-1)!.note, 'image already installed; not fetched');
});

test('a URL with a file name is fetched as given, {mac} filled in; nothing there is a failed boot', async () => {
  const s = server(ACCOUNT);
  const run = await snomDriver.phone.run(phone, `${BASE}{mac}.xml`, s.fetch);
  assert.deepEqual(
    s.asked.map((a) => a.url),
    [`${BASE}000413A11FA7.xml`],
  );
  assert.equal(run.ok, true);
  const none = await snomDriver.phone.run(phone, 'http://192.168.137.9/', async () => ({
    status: 404,
    body: Buffer.alloc(0),
  }));
  assert.equal(none.ok, false);
  assert.equal(
    snomDriver.phone.userAgent(phone),
    'Mozilla/4.0 (compatible; snomD345-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413A11FA7 SXM:0 UXM:0)',
  );
});

test('a file the setting-files list names and the server then does not have fails the boot', async () => {
  const s = server(ACCOUNT);
  // The server lists the MAC's settings and then answers 404 for them.
  const lost: PhoneFetch = async (url, opts) =>
    url.endsWith('000413A11FA7.xml') ? { status: 404, body: Buffer.alloc(0) } : s.fetch(url, opts);
  const run = await snomDriver.phone.run(phone, BASE, lost);
  assert.equal(run.ok, false, JSON.stringify(run.steps));
  assert.ok(run.steps.some((step) => step.url.endsWith('000413A11FA7.xml') && step.status === 404));
});
