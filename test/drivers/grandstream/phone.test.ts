import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { PhoneFetch, PhoneIdentity } from '../../../src/drivers/driver.ts';
import { grandstreamDriver } from '../../../src/drivers/grandstream/index.ts';
import type { Settings } from '../../../src/model/settings.ts';
import { ACCOUNT, MAC, context } from './helpers.ts';

const BASE = 'http://prov.example.com/gs/';
const phone: PhoneIdentity = {
  mac: MAC,
  vendor: 'grandstream',
  model: 'GXP2130',
  firmware: '1.0.9.135',
};

/** A server that renders what the driver recognises, for one device's settings. */
function server(
  settings: Settings,
  options: {
    device?: boolean;
    image?: Buffer;
    credentials?: { username: string; password: string };
  } = {},
): { fetch: PhoneFetch; asked: string[]; presented: (string | undefined)[] } {
  const asked: string[] = [];
  const presented: (string | undefined)[] = [];
  return {
    asked,
    presented,
    fetch: async (url, request) => {
      asked.push(url);
      presented.push(request?.credentials?.username);
      if (options.image && url.endsWith('/gxp2130fw.bin'))
        return { status: 200, body: options.image };
      const path = url.slice(BASE.length).split('/').filter(Boolean);
      const recognition = grandstreamDriver.recognise({
        segments: path,
        query: '',
        transport: 'http',
      });
      const artifact =
        recognition &&
        grandstreamDriver.render(
          recognition,
          context(settings, {
            withDevice: options.device !== false,
            ...(options.credentials ? { credentials: options.credentials } : {}),
          }),
        );
      return artifact
        ? { status: 200, body: artifact.body }
        : { status: 404, body: Buffer.alloc(0) };
    },
  };
}

test('the provisioning flow: cfg<mac>, cfg<mac>.xml; a second boot applies nothing', async () => {
  const s = server(ACCOUNT);
  const first = await grandstreamDriver.phone.run(phone, BASE, s.fetch);
  assert.equal(first.ok, true, JSON.stringify(first.steps));
  assert.deepEqual(s.asked, [`${BASE}cfg${MAC}`, `${BASE}cfg${MAC}.xml`]);
  assert.deepEqual(
    first.steps.map((step) => [step.status, step.applied]),
    [
      [404, false],
      [200, true],
    ],
  );
  assert.equal(first.settings['account.1.sip.userid'], '201');
  const second = await grandstreamDriver.phone.run(phone, BASE, s.fetch, first.memory);
  assert.equal(second.ok, true);
  assert.deepEqual(
    second.steps.map((step) => step.applied),
    [false, false],
  );
  assert.match(second.steps[1]!.note!, /unchanged/);
});

test('an unknown phone falls back to cfg<model>.xml, then cfg.xml', async () => {
  const s = server({ 'time.timezone': 'Europe/Berlin' }, { device: false });
  const run = await grandstreamDriver.phone.run(phone, BASE, s.fetch);
  assert.deepEqual(s.asked, [`${BASE}cfg${MAC}`, `${BASE}cfg${MAC}.xml`, `${BASE}cfggxp2130.xml`]);
  assert.equal(run.ok, true);
  assert.equal(run.settings['dateTime.timezone.custom'], 'CET-1CEST,M3.5.0,M10.5.0/3');
  // A model the server does not name goes on to the generic file.
  const other = server({}, { device: false });
  const fetch: PhoneFetch = async (url, o) =>
    url.includes('cfggxp2130') ? { status: 404, body: Buffer.alloc(0) } : other.fetch(url, o);
  await grandstreamDriver.phone.run(phone, BASE, fetch);
  assert.equal(other.asked.at(-1), `${BASE}cfg.xml`);
});

test('the legacy binary file is read, checked and applied before the XML file', async () => {
  const s = server({ ...ACCOUNT, 'provisioning.config_format': 'binary' });
  const run = await grandstreamDriver.phone.run(phone, BASE, s.fetch);
  assert.equal(run.ok, true);
  assert.deepEqual(
    run.steps.map((step) => step.applied),
    [true, true],
  );
  assert.equal(run.settings['P35'], '201');
  assert.equal(run.settings['account.1.sip.userid'], '201');
  // Another phone refuses it: its MAC is in the header.
  const other = await grandstreamDriver.phone.run(
    { ...phone, mac: '000b82654321' as typeof MAC },
    BASE,
    async (url, o) => s.fetch(url.replace('000b82654321', MAC), o),
  );
  assert.equal(other.ok, false);
  assert.match(other.steps[0]!.note!, /made for 000b82123456/);
  assert.match(other.steps[1]!.note!, /MAC header 000b82123456 is not this phone/);
});

test('credentials a file gives the phone are presented from the next boot on', async () => {
  const credentials = { username: MAC, password: 'Gen3ratedPassw0rdXYZabcd' };
  const s = server(ACCOUNT, { credentials });
  const first = await grandstreamDriver.phone.run(phone, BASE, s.fetch);
  assert.deepEqual(s.presented, [undefined, undefined]);
  await grandstreamDriver.phone.run(phone, BASE, s.fetch, first.memory);
  assert.deepEqual(s.presented.slice(2), [MAC, MAC]);
});

test('an encrypted file: read with the key the phone holds, refused without it', async () => {
  const settings = {
    ...ACCOUNT,
    'security.config_encryption': true,
    'security.config_key': 'Grandstream-Key1',
  };
  const s = server(settings);
  const keyed = await grandstreamDriver.phone.run(
    { ...phone, configKey: 'Grandstream-Key1' },
    BASE,
    s.fetch,
  );
  assert.equal(keyed.ok, true);
  assert.equal(keyed.settings['account.1.sip.subscriber.password'], 's3cret');
  const bare = await grandstreamDriver.phone.run(phone, BASE, s.fetch);
  assert.equal(bare.ok, false);
  assert.match(bare.steps[1]!.note!, /cannot decrypt/);
});

test('the firmware of its series from the path the file gives, once', async () => {
  const firmware = {
    vendor: 'grandstream',
    model: 'GXP2130',
    version: '1.0.11.3',
    fileName: 'gxp2130fw.bin',
    size: 9,
    sha256: 'b'.repeat(64),
    url: `${BASE}firmware/grandstream/GXP2130/1.0.11.3/gxp2130fw.bin`,
  };
  const s = server(ACCOUNT, { image: Buffer.from('firmware!') });
  const fetch: PhoneFetch = async (url, o) => {
    if (url.endsWith('.bin')) return s.fetch(url, o);
    const recognition = grandstreamDriver.recognise({
      segments: url.slice(BASE.length).split('/'),
      query: '',
      transport: 'http',
    })!;
    const body = grandstreamDriver.render(recognition, context(ACCOUNT, { firmware }))?.body;
    return body ? { status: 200, body } : { status: 404, body: Buffer.alloc(0) };
  };
  const first = await grandstreamDriver.phone.run(phone, BASE, fetch);
  assert.equal(first.ok, true);
  assert.equal(first.steps.at(-1)!.url, firmware.url);
  assert.match(first.steps.at(-1)!.note!, /image installed/);
  const second = await grandstreamDriver.phone.run(phone, BASE, fetch, first.memory);
  assert.match(second.steps.at(-1)!.note!, /already installed/);
});
