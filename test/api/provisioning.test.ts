import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { get } from 'node:http';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';

import type { ProvisioningEvent } from '../../src/model/event.ts';
import type { FirmwareHandle } from '../../src/store/store.ts';
import { patternSha256, patternStream } from '../store/store-suite.ts';
import { FANVIL_AGENT, FANVIL_MAC, fanvilPhone, harnessWith, type Catalogue } from './support.ts';

const OEM_MAC = '00908f0a1b2c';
const CLASS = 'leadtek/LR8051S';
let h: Catalogue;

before(async () => {
  h = await harnessWith([
    fanvilPhone({ 'firmware.version': '2.12.0.1', 'provisioning.config_name': 'll' }),
    { mac: '001565aabbcc', vendor: 'yealink', settings: { 'accounts.1.user': '2001' } },
    {
      mac: OEM_MAC,
      vendor: 'oem',
      model: CLASS,
      settings: {
        'accounts.1.registrar': 'proxy01.sipphone.com',
        'accounts.1.registrar_port': 5060,
      },
    },
  ]);
  const image = Buffer.alloc(4096, 1);
  await h.runtime.store.putFirmware(
    {
      vendor: 'fanvil',
      model: 'X4',
      version: '2.12.0.1',
      fileName: 'x4.z',
      contentType: 'application/octet-stream',
    },
    Readable.from([image]),
  );
  await h.runtime.store.putFirmware(
    {
      vendor: 'oem',
      model: CLASS,
      version: 'AR15',
      fileName: 'SIP_1.0_US_LDTK_AR15.rom',
      contentType: 'application/octet-stream',
    },
    Readable.from([Buffer.from('ROM!')]),
  );
  await h.api('POST', '/profiles', { name: 'default', settings: { 'firmware.version': 'AR15' } });
});
after(async () => h?.close());

/** The events of requests for exactly these paths, oldest first. */
async function eventsFor(...paths: string[]): Promise<ProvisioningEvent[]> {
  await h.runtime.recorder.flush();
  const all = await h.runtime.store.queryEvents({ limit: 10_000 });
  return all.filter((e) => paths.includes(e.file)).reverse();
}

test('<mac>.cfg is Fanvil for a Fanvil device, Yealink for a Yealink one, 404 for an unknown phone', async () => {
  const fanvil = await h.phone(`/${FANVIL_MAC}.cfg`);
  assert.equal(fanvil.status, 200);
  assert.match(fanvil.body.toString(), /^<<VOIP CONFIG FILE>>Version:2\.\d{10} {22}\r\n/);
  assert.match(fanvil.body.toString(), /SIP1 Phone Number {2}:1001\r\n/);
  const yealink = await h.phone('/001565aabbcc.cfg');
  assert.match(yealink.body.toString(), /^#!version:1\.0\.0\.1\naccount\.1\.enable=1/);
  for (const agent of [
    undefined,
    'Fanvil X4 2.10.2.6887 0c383e07e16d',
    'Yealink SIP-T46G 28.72.0.1 00:15:65:aa:bb:cd',
  ]) {
    assert.equal((await h.phone('/0c383e07e16d.cfg', agent)).status, 404, agent);
  }
  const events = await eventsFor('0c383e07e16d.cfg');
  assert.equal(events.length, 3);
  assert.ok(events.every((e) => e.status === 404 && e.reason === 'unknown-device'));
});

test('the firmware is advertised while the phone reports another version, and streamed from the catalogue', async () => {
  const old = await h.phone(`/${FANVIL_MAC}.cfg`, FANVIL_AGENT);
  const url = /Auto Image Url {5}:(\S+)\r\n/.exec(old.body.toString())?.[1];
  assert.equal(url, `${h.url}/firmware/fanvil/X4/2.12.0.1/x4.z`);
  const current = await h.phone(
    `/${FANVIL_MAC}.cfg`,
    FANVIL_AGENT.replace('2.10.2.6887', '2.12.0.1'),
  );
  assert.doesNotMatch(current.body.toString(), /Auto Image Url/);
  assert.notEqual(
    current.body.subarray(0, 64).toString(),
    old.body.subarray(0, 64).toString(),
    'new content, new version',
  );
  const image = await h.phone(new URL(url!).pathname);
  assert.equal(image.status, 200);
  assert.deepEqual(image.body, Buffer.alloc(4096, 1));
  // Under a prefix, too; any other name, version or vendor is a plain 404 with one event.
  assert.equal((await h.phone('/prov/firmware/fanvil/X4/2.12.0.1/x4.z')).status, 200);
  const misses = [
    'firmware/fanvil/X4/2.12.0.2/x4.z',
    'firmware/fanvil/X4/2.12.0.1/other.z',
    'firmware/yealink/X4/2.12.0.1/x4.z',
  ];
  for (const path of misses) assert.equal((await h.phone(`/${path}`)).status, 404, path);
  const events = await eventsFor(...misses);
  assert.equal(events.length, 3);
  assert.ok(events.every((e) => e.reason === 'no-firmware'));
});

test('Plug-n-Dial: the app answer, currentversion.txt and its image; every bad request one 404 and one event', async () => {
  const app = await h.phone(`/${CLASS}/app?class=${CLASS};mac_address=${OEM_MAC}`);
  assert.equal(app.status, 200);
  assert.equal(app.body.toString(), 'sip_server="proxy01.sipphone.com"\nsip_server_port="5060"\n');
  assert.equal(
    (await h.phone(`/${CLASS}/app?class=${CLASS}&mac_address=00:90:8f:0a:1b:2c`)).status,
    200,
  );
  const manifest = await h.phone(`/firmware/${CLASS}/currentversion.txt`);
  assert.equal(manifest.body.toString(), 'Image_file="SIP_1.0_US_LDTK_AR15.rom"\n');
  assert.equal(
    (await h.phone(`/firmware/${CLASS}/SIP_1.0_US_LDTK_AR15.rom`)).body.toString(),
    'ROM!',
  );
  // A device that runs the target is offered nothing.
  const agent = `Plug-n-Dial ${CLASS} AR15 ${OEM_MAC}`;
  assert.equal((await h.phone(`/firmware/${CLASS}/currentversion.txt`, agent)).status, 404);

  const bad = [
    `/${CLASS}/app?class=${CLASS}`,
    `/${CLASS}/app?class=${CLASS};mac_address=00908f0a1b2g`,
    `/${CLASS}/app?class=${CLASS};mac_address=00908f0a1b2c0`,
    `/${CLASS}/app?class=other/Model;mac_address=${OEM_MAC}`,
    `/leadtek/OTHER/app?class=leadtek/OTHER;mac_address=${OEM_MAC}`,
    `/${CLASS}/app?class=${CLASS};mac_address=00908f0a1bff`,
    `/firmware/${CLASS}/missing.rom`,
    '/firmware/leadtek/NOPE/currentversion.txt',
  ];
  const before = (await eventsFor()).length;
  for (const path of bad) assert.equal((await h.phone(path)).status, 404, path);
  await h.runtime.recorder.flush();
  const events = (await h.runtime.store.queryEvents({ limit: 10_000 })).filter((e) =>
    [
      'leadtek/LR8051S/app',
      'leadtek/OTHER/app',
      `firmware/${CLASS}/missing.rom`,
      'firmware/leadtek/NOPE/currentversion.txt',
    ].includes(e.file),
  );
  assert.equal(events.filter((e) => e.status === 404).length, bad.length);
  assert.equal(before, 0);
});

test('user-named files: the device or profile carrying the name, $input in the query, else the overlay', async () => {
  const named = await h.phone('/ll.xml');
  assert.equal(named.status, 200);
  assert.match(named.body.toString(), /^<VOIP_CONFIG_FILE>\n<Digests>2\.\d{10}<\/Digests>\n/);
  assert.match(named.body.toString(), /<Phone_Number>1001<\/Phone_Number>/);
  assert.deepEqual(
    (await h.phone('/input.cfg?input=ll.cfg')).body,
    (await h.phone('/LL.cfg')).body,
  );
  await h.api('POST', '/profiles', {
    name: 'office',
    settings: { 'provisioning.config_name': 'office.cfg', 'time.timezone': 'Asia/Shanghai' },
  });
  const office = await h.phone('/office.cfg');
  assert.match(office.body.toString(), /Time Zone {10}:32\r\n/);
  assert.doesNotMatch(office.body.toString(), /SIP1/);
  await h.runtime.store.putFile(
    'notes.txt',
    Readable.from([Buffer.from('stored as is')]),
    'text/plain',
  );
  assert.equal((await h.phone('/notes.txt')).body.toString(), 'stored as is');
  assert.equal((await h.phone('/nobody.cfg')).status, 404);
});

test('phonebooks are served per device and their URL is in the file', async () => {
  await h.api('PUT', `/phonebooks/devices/${FANVIL_MAC}`, {
    contacts: [{ name: 'Bob', office: '102' }],
  });
  const cfg = (await h.phone(`/${FANVIL_MAC}.cfg`)).body.toString();
  assert.match(cfg, new RegExp(`Auto Pbook Url     :${h.url}/${FANVIL_MAC}-contacts\\.vcf\\r\\n`));
  const vcf = await h.phone(`/${FANVIL_MAC}-contacts.vcf`);
  assert.match(vcf.body.toString(), /^BEGIN:VCARD\r\nVERSION:3\.0\r\nFN:Bob\r\n/);
  assert.equal(vcf.type, 'text/vcard; charset=utf-8');
});

// Memory is measured as bytes in flight: what the server pulled from the store and the phone
// has not received yet. The whole image never sits in memory; chunks and sockets bound it.
test('a 40 MiB image streams with bounded memory: the server stops reading for a stalled phone', async () => {
  // Larger than loopback's socket buffers can hold (they grow to about 10 MiB), so what the
  // server pulled while the phone stalls shows whether it waits.
  const size = 40 * 1024 * 1024;
  await h.runtime.store.putFirmware(
    {
      vendor: 'fanvil',
      model: 'X6',
      version: 'big',
      fileName: 'x6.z',
      contentType: 'application/octet-stream',
    },
    patternStream(size),
  );
  // Count the bytes the pipeline pulls from the store.
  let pulled = 0;
  const store = h.runtime.store;
  const open = store.openFirmware.bind(store);
  store.openFirmware = async (key) => {
    const handle = await open(key);
    if (!handle) return handle;
    const wrapped: FirmwareHandle = {
      ...handle,
      stream: (range) =>
        handle.stream(range).on('data', (chunk: Buffer) => (pulled += chunk.length)),
    };
    return wrapped;
  };
  try {
    const hash = createHash('sha256');
    let received = 0;
    // While the phone stalls, what the server pulled from the store must stop growing well
    // short of the image: it waits for the phone (the kernel's socket buffers hold the rest).
    let stalled: { early: number; late: number } | undefined;
    await new Promise<void>((resolve, reject) => {
      get(`${h.url}/firmware/fanvil/X6/big/x6.z`, (response) => {
        assert.equal(response.statusCode, 200);
        assert.equal(Number(response.headers['content-length']), size);
        response.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          received += chunk.length;
          if (!stalled && received > 1024 * 1024) {
            stalled = { early: -1, late: -1 };
            const sample = stalled;
            response.pause();
            setTimeout(() => (sample.early = pulled), 300);
            setTimeout(() => {
              sample.late = pulled;
              response.resume();
            }, 600);
          }
        });
        response.on('end', resolve);
        response.on('error', reject);
      }).on('error', reject);
    });
    assert.equal(hash.digest('hex'), patternSha256(size));
    assert.equal(received, size);
    assert.ok(stalled && stalled.early > 0, 'the phone stalled');
    assert.equal(stalled.late, stalled.early, 'the server kept reading while the phone stalled');
    assert.ok(
      stalled.late < size / 2,
      `read ${stalled.late} of ${size} bytes ahead of a stalled phone`,
    );
  } finally {
    store.openFirmware = open;
  }
});

/** A server of its own with the Fanvil phone, set to run 2.12.0.1, and that image. */
async function upgradingFanvil(): Promise<Catalogue> {
  const own = await harnessWith([fanvilPhone({ 'firmware.version': '2.12.0.1' })]);
  await own.runtime.store.putFirmware(
    {
      vendor: 'fanvil',
      model: 'X4',
      version: '2.12.0.1',
      fileName: 'x4.z',
      contentType: 'application/octet-stream',
    },
    Readable.from([Buffer.alloc(64, 1)]),
  );
  return own;
}

test('a phone that reported its new firmware is no longer told to upgrade, by a request that names no version', async () => {
  const own = await upgradingFanvil();
  try {
    const advertised = async (agent?: string): Promise<boolean> =>
      /Auto Image Url/.test((await own.phone(`/${FANVIL_MAC}.cfg`, agent)).body.toString());
    // The old firmware, reported and recorded; a request without a User-Agent (as over TFTP)
    // goes by the record.
    assert.equal(await advertised(FANVIL_AGENT), true);
    await own.runtime.recorder.flush();
    assert.equal(await advertised(), true);
    // Upgraded: the phone says so once; every later request, with its version or without,
    // must not send it round again.
    assert.equal(await advertised(FANVIL_AGENT.replace('2.10.2.6887', '2.12.0.1')), false);
    assert.equal(await advertised(), false, 'right after the report');
    await own.runtime.recorder.flush();
    assert.equal(await advertised(), false, 'once the report is stored');
    const stored = await own.api('GET', `/devices/${FANVIL_MAC}`);
    assert.equal(
      (stored.body as { reported?: { firmware?: string } }).reported?.firmware,
      '2.12.0.1',
    );
  } finally {
    await own.close();
  }
});

test("a User-Agent naming another phone's MAC does not speak for this device's firmware", async () => {
  const own = await upgradingFanvil();
  try {
    await own.phone(`/${FANVIL_MAC}.cfg`, FANVIL_AGENT);
    const neighbour = await own.phone(`/${FANVIL_MAC}.cfg`, 'Fanvil X4 2.12.0.1 0c383e07e16d');
    assert.match(neighbour.body.toString(), /Auto Image Url/, 'still told to upgrade');
    await own.runtime.recorder.flush();
    const stored = await own.api('GET', `/devices/${FANVIL_MAC}`);
    assert.equal(
      (stored.body as { reported?: { firmware?: string } }).reported?.firmware,
      '2.10.2.6887',
    );
  } finally {
    await own.close();
  }
});

test('a request refused for its credentials does not speak for the phone: its User-Agent stops no upgrade', async () => {
  const own = await upgradingFanvil();
  try {
    await own.api('PATCH', `/devices/${FANVIL_MAC}`, {
      settings: {
        'provisioning.access': 'shared-credentials',
        'provisioning.username': 'prov',
        'provisioning.password': 'prov-secret-1',
        // No first contact without credentials either.
        'provisioning.first_contact_window': 0,
      },
    });
    const forged = await own.phone(
      `/${FANVIL_MAC}.cfg`,
      FANVIL_AGENT.replace('2.10.2.6887', '2.12.0.1'),
    );
    assert.equal(forged.status, 401);
    await own.runtime.recorder.flush();
    const stored = await own.api('GET', `/devices/${FANVIL_MAC}`);
    assert.equal(
      (stored.body as { reported?: { firmware?: string } }).reported?.firmware,
      undefined,
    );
  } finally {
    await own.close();
  }
});
