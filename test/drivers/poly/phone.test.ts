import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { PhoneFetch, PhoneIdentity } from '../../../src/drivers/driver.ts';
import { polyDriver } from '../../../src/drivers/poly/index.ts';
import type { Settings } from '../../../src/model/settings.ts';
import { BASE, FIRMWARE, MAC, context } from './helpers.ts';

const phone: PhoneIdentity = { mac: MAC, vendor: 'poly', model: 'VVX450', firmware: '6.4.6.2500' };
const ACCOUNT: Settings = {
  'accounts.1.user': '1001',
  'accounts.1.password': 's3cret',
  'accounts.1.registrar': 'pbx.example.com',
};

interface Asked {
  method: string;
  url: string;
  agent?: string;
  user?: string;
}

function server(
  settings: Settings,
  options: { firmware?: boolean; known?: boolean; credentials?: boolean } = {},
) {
  const asked: Asked[] = [];
  const kept = new Map<string, Buffer>();
  const fetch: PhoneFetch = async (url, opts) => {
    asked.push({
      method: opts?.upload ? 'PUT' : 'GET',
      url,
      ...(opts?.userAgent ? { agent: opts.userAgent } : {}),
      ...(opts?.credentials ? { user: opts.credentials.username } : {}),
    });
    const name = url.slice(BASE.length);
    if (opts?.upload) {
      kept.set(name, opts.upload);
      return { status: 204, body: Buffer.alloc(0) };
    }
    if (kept.has(name)) return { status: 200, body: kept.get(name)! };
    if (name === 'sip.ld')
      return options.firmware
        ? { status: 200, body: Buffer.from('img') }
        : { status: 404, body: Buffer.alloc(0) };
    const recognition = polyDriver.recognise({ segments: [name], query: '', transport: 'http' });
    if (!recognition || (recognition.needsDevice && options.known === false))
      return { status: 404, body: Buffer.alloc(0) };
    const artifact = polyDriver.render(
      recognition,
      context(settings, {
        withDevice: recognition.needsDevice,
        contacts: [{ name: 'Reception', office: '100' }],
        ...(options.firmware ? { firmware: FIRMWARE } : {}),
        ...(options.credentials ? { credentials: { username: MAC, password: 'Gen3rated' } } : {}),
      }),
    );
    return artifact ? { status: 200, body: artifact.body } : { status: 404, body: Buffer.alloc(0) };
  };
  return { fetch, asked, kept };
}

test('the boot of the published VVX sequence: boot log, master, image, settings, overrides, directory, app log', async () => {
  const s = server(ACCOUNT, { firmware: true });
  const run = await polyDriver.phone.run(phone, BASE, s.fetch);
  assert.equal(run.ok, true, JSON.stringify(run.steps));
  assert.deepEqual(
    s.asked.map((a) => `${a.method} ${a.url.slice(BASE.length)}`),
    [
      `PUT ${MAC}-boot.log`,
      `GET ${MAC}.cfg`,
      'GET sip.ld',
      `GET ${MAC}-settings.cfg`,
      `GET ${MAC}-phone.cfg`,
      `GET ${MAC}-web.cfg`,
      `GET ${MAC}-directory.xml`,
      `PUT ${MAC}-app.log`,
    ],
  );
  assert.match(s.asked[0]!.agent!, /Type\/Updater$/);
  assert.match(s.asked[3]!.agent!, /Type\/Application$/);
  assert.equal(run.settings['reg.1.address'], '1001');
  assert.equal(run.settings['directory[0]'], 'Reception 100');
  // A second boot: the image it runs and the files it applied are not applied again.
  const again = await polyDriver.phone.run(phone, BASE, s.fetch, run.memory);
  assert.deepEqual(
    again.steps.filter((step) => step.applied),
    [],
  );
  assert.equal(again.steps[2]!.note, 'the phone runs this image already');
});

test('a stranger falls back to 000000000000.cfg; overrides win over the configuration files', async () => {
  const s = server(ACCOUNT, { known: false });
  s.kept.set(
    `${MAC}-phone.cfg`,
    Buffer.from('<PHONE_CONFIG><OVERRIDES reg.1.displayName="Mine"/></PHONE_CONFIG>'),
  );
  const run = await polyDriver.phone.run(phone, BASE, s.fetch);
  assert.ok(s.asked.some((a) => a.url === `${BASE}000000000000.cfg`));
  assert.ok(s.asked.some((a) => a.url === `${BASE}000000000000-settings.cfg`));
  assert.equal(run.settings['reg.1.displayName'], 'Mine');
  assert.equal(run.settings['directory[0]'], 'Reception 100');
});

test('device.prov.user/password are presented from the next request on, and kept for the next boot', async () => {
  const s = server(ACCOUNT, { credentials: true });
  const run = await polyDriver.phone.run(phone, BASE, s.fetch);
  const after = s.asked.findIndex((a) => a.url.endsWith('-settings.cfg'));
  assert.equal(s.asked[after]!.user, undefined);
  assert.ok(s.asked.slice(after + 1).every((a) => a.user === MAC));
  assert.equal(run.memory!['credentials.user'], MAC);
  const before = s.asked.length;
  await polyDriver.phone.run(phone, BASE, s.fetch, run.memory);
  // The next boot presents them from its first request, the boot log upload.
  assert.equal(s.asked[before]!.user, MAC);
});

test('over TFTP there are no uploads; a missing master is a failed boot', async () => {
  const s = server(ACCOUNT);
  const run = await polyDriver.phone.run(phone, 'tftp://10.0.0.5/', async (url, opts) => {
    assert.equal(opts?.upload, undefined, 'no PUT over TFTP');
    return s.fetch(url.replace('tftp://10.0.0.5/', BASE), opts);
  });
  assert.equal(run.ok, true);
  const none = await polyDriver.phone.run(phone, BASE, async () => ({
    status: 404,
    body: Buffer.alloc(0),
  }));
  assert.equal(none.ok, false);
});

test('a master naming a configuration file that is no URL: a failed step, not a throw', async () => {
  // Found by the phone-script fuzz target: new URL('http://[') threw out of the script.
  const master =
    '<?xml version="1.0"?>\n<APPLICATION APP_FILE_PATH="" CONFIG_FILES="http://[, site.cfg"/>\n';
  const run = await polyDriver.phone.run(phone, BASE, async (url, opts) => {
    if (opts?.upload) return { status: 204, body: Buffer.alloc(0) };
    if (url === `${BASE}${MAC}.cfg`) return { status: 200, body: Buffer.from(master) };
    if (url === `${BASE}site.cfg`) return { status: 200, body: Buffer.from('<site a.b="1"/>') };
    return { status: 404, body: Buffer.alloc(0) };
  });
  assert.equal(run.ok, false);
  assert.ok(run.steps.some((s) => s.url === 'http://[' && s.note === 'CONFIG_FILES names no URL'));
  assert.equal(run.settings['a.b'], '1', 'the other files are still read');
});
