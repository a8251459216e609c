import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';

import { drivers } from '../../src/drivers/registry.ts';
import { addDevices } from '../../src/management/devices.ts';
import type { ProvisioningEvent } from '../../src/model/event.ts';
import type { Mac } from '../../src/model/mac.ts';
import { ProvisioningPipeline } from '../../src/provisioning/pipeline.ts';
import { EventRecorder } from '../../src/provisioning/recorder.ts';
import type { Answer, ProvisioningRequest } from '../../src/provisioning/request.ts';
import { SMALL_VERSION_BYTES } from '../../src/store/file-blobs.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';

// The pipeline on its own, with no door: an in-memory store, the registry's drivers, a fixed
// clock. Each request is answered, its transfer ended by hand, and its one event read back.

const KNOWN = '001565000001' as Mac;
const UNKNOWN = '001565000099' as Mac;
const NOW = new Date('2024-01-15T12:00:00Z');
const FLOOR_MS = 40;
const RINGTONE = Buffer.from('RIFF\0\0\0\0WAVEfmt lobby ringtone');

let store: Store;
let recorder: EventRecorder;
let pipeline: ProvisioningPipeline;

before(async () => {
  store = await openStore({ memory: true });
  recorder = new EventRecorder(store, { flushIntervalMs: 10_000 });
  pipeline = new ProvisioningPipeline({
    store,
    drivers,
    recorder,
    now: () => NOW,
    missFloorMs: FLOOR_MS,
  });
  await addDevices(
    store,
    [
      {
        mac: KNOWN,
        vendor: 'yealink',
        settings: {
          'accounts.1.user': '2001',
          'accounts.1.display_name': 'Front Desk',
          'accounts.1.password': 'pipeline-secret',
          'accounts.1.registrar': 'sip.example.test',
        },
      },
    ],
    NOW,
  );
  await store.putFile('ringtones/lobby.wav', Readable.from([RINGTONE]), 'audio/wav');
});

after(async () => {
  await recorder.close();
  await store.close();
});

function request(rawPath: string, extra: Partial<ProvisioningRequest> = {}): ProvisioningRequest {
  return {
    transport: 'http',
    rawPath,
    remoteAddress: '192.0.2.10',
    origin: 'http://192.0.2.1:8080',
    method: 'GET',
    userAgent: 'Yealink SIP-T46U 108.86.0.45',
    ...extra,
  };
}

/** The body of an answer, whole or streamed. */
async function bodyOf(answer: Answer): Promise<Buffer> {
  if (answer.body) return answer.body;
  if (!answer.open) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of answer.open()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Ends the transfer as a door would, and returns the one event it recorded. */
async function deliver(answer: Answer, file: string): Promise<ProvisioningEvent> {
  const body = await bodyOf(answer);
  answer.done({ status: answer.status, bytes: body.length });
  await recorder.flush();
  const events = (await store.queryEvents({ limit: 100 })).filter((e) => e.file === file);
  assert.equal(events.length, 1, `one event for ${file}`);
  return events[0]!;
}

test('a known device gets its own file, rendered from its settings, and one event with its MAC', async () => {
  const answer = await pipeline.answer(request(`/${KNOWN}.cfg`));
  assert.equal(answer.status, 200);
  const text = (await bodyOf(answer)).toString('utf8');
  assert.match(text, /^#!version:1\.0\.0\.1\n/);
  assert.match(text, /^account\.1\.user_name=2001$/m);
  assert.match(text, /^account\.1\.display_name=Front Desk$/m);
  assert.match(text, /^account\.1\.sip_server\.1\.address=sip\.example\.test$/m);
  assert.equal(answer.size, Buffer.byteLength(text));
  assert.match(answer.etag ?? '', /^"[A-Za-z0-9_-]{27}"$/);

  const event = await deliver(answer, `${KNOWN}.cfg`);
  assert.equal(event.mac, KNOWN);
  assert.equal(event.driver, 'yealink');
  assert.equal(event.status, 200);
  assert.equal(event.bytes, answer.size);
  assert.equal(event.transport, 'http');
  assert.equal(event.address, '192.0.2.10');
  assert.equal(event.at, NOW.toISOString());
  assert.equal(event.reason, undefined);
  // The password is in the file the phone gets, never in its event.
  assert.doesNotMatch(JSON.stringify(event), /pipeline-secret/);
});

test('the same request again is the same bytes (the answer memo), and a second event', async () => {
  const first = await pipeline.answer(request(`/${KNOWN}.cfg`, { remoteAddress: '192.0.2.11' }));
  const second = await pipeline.answer(request(`/${KNOWN}.cfg`, { remoteAddress: '192.0.2.11' }));
  assert.deepEqual(await bodyOf(second), await bodyOf(first));
  assert.equal(second.etag, first.etag);
  first.done({ status: 200, bytes: first.size });
  second.done({ status: 200, bytes: second.size });
  // done() records once, whatever a door does after.
  second.done({ status: 200, bytes: second.size });
  await recorder.flush();
  const events = await store.queryEvents({ mac: KNOWN, limit: 100 });
  assert.equal(events.filter((e) => e.address === '192.0.2.11').length, 2);
});

test('an unknown MAC gets the plain 404, after the floor, and its event says why', async () => {
  const started = performance.now();
  const answer = await pipeline.answer(request(`/${UNKNOWN}.cfg`));
  const took = performance.now() - started;
  assert.equal(answer.status, 404);
  assert.equal(answer.contentType, 'text/plain; charset=utf-8');
  assert.equal(answer.size, 0);
  assert.equal(answer.body, undefined);
  assert.equal(answer.open, undefined);
  assert.equal(answer.challenge, undefined);
  assert.ok(took >= FLOOR_MS - 2, `answered after ${took} ms, before the ${FLOOR_MS} ms floor`);

  const event = await deliver(answer, `${UNKNOWN}.cfg`);
  assert.equal(event.status, 404);
  assert.equal(event.reason, 'unknown-device');
  assert.equal(event.mac, UNKNOWN);
  assert.equal(event.bytes, 0);
});

test('a missing file and an unknown MAC look the same from outside', async () => {
  const missing = await pipeline.answer(request('/no/such/file.bin'));
  const unknown = await pipeline.answer(request(`/${UNKNOWN}.cfg`));
  for (const answer of [missing, unknown]) {
    assert.deepEqual(
      { status: answer.status, type: answer.contentType, size: answer.size, etag: answer.etag },
      { status: 404, type: 'text/plain; charset=utf-8', size: 0, etag: undefined },
    );
  }
  const event = await deliver(missing, 'no/such/file.bin');
  assert.equal(event.reason, 'no-such-file');
  assert.equal(event.mac, undefined);
  unknown.done({ status: 404, bytes: 0 });
});

test('a path that is no path is refused as bad-path', async () => {
  const answer = await pipeline.answer(request('/../../etc/passwd'));
  assert.equal(answer.status, 404);
  answer.done({ status: 404, bytes: 0 });
  await recorder.flush();
  const events = await store.queryEvents({ reason: 'bad-path', limit: 10 });
  assert.equal(events.length, 1);
  assert.equal(events[0]!.file, '/../../etc/passwd');
});

test('a stored file no driver claims is served from the store, under any prefix', async () => {
  const answer = await pipeline.answer(request('/prov/ringtones/lobby.wav'));
  assert.equal(answer.status, 200);
  assert.equal(answer.contentType, 'audio/wav');
  assert.equal(answer.size, RINGTONE.length);
  // A small one comes whole from the store's kept bytes, and still opens as a range.
  assert.deepEqual(answer.body, RINGTONE);
  const range = (await answer.open!({ start: 8, end: 11 }).toArray()) as Buffer[];
  assert.equal(Buffer.concat(range).toString(), 'WAVE');
  assert.deepEqual(await bodyOf(answer), RINGTONE);

  const event = await deliver(answer, 'prov/ringtones/lobby.wav');
  assert.equal(event.status, 200);
  assert.equal(event.bytes, RINGTONE.length);
  assert.equal(event.driver, undefined);
});

test('a large stored file is streamed, never held whole', async () => {
  const image = Buffer.alloc(SMALL_VERSION_BYTES + 1, 5);
  await store.putFile('firmware/big.rom', Readable.from([image]), 'application/octet-stream');
  const answer = await pipeline.answer(request('/firmware/big.rom'));
  assert.equal(answer.status, 200);
  assert.equal(answer.body, undefined, 'streamed, not held');
  assert.deepEqual(await bodyOf(answer), image);
  answer.done({ status: 200, bytes: image.length });
});

test('a common file is the defaults, the same for every phone, and names no device', async () => {
  const answer = await pipeline.answer(request('/y000000000000.cfg'));
  assert.equal(answer.status, 200);
  const text = (await bodyOf(answer)).toString('utf8');
  assert.match(text, /^#!version:1\.0\.0\.1\n/);
  assert.doesNotMatch(text, /2001|Front Desk|pipeline-secret/);
  const event = await deliver(answer, 'y000000000000.cfg');
  assert.equal(event.driver, 'yealink');
  assert.equal(event.mac, undefined);
  assert.equal(event.status, 200);
});

test('a transfer the phone broke off is recorded as the door saw it', async () => {
  const answer = await pipeline.answer(request(`/${KNOWN}.cfg`, { remoteAddress: '192.0.2.12' }));
  assert.equal(answer.status, 200);
  answer.done({ status: 499, bytes: 10, reason: 'aborted' });
  await recorder.flush();
  const [event] = (await store.queryEvents({ mac: KNOWN, limit: 100 })).filter(
    (e) => e.address === '192.0.2.12',
  );
  assert.equal(event?.status, 499);
  assert.equal(event?.bytes, 10);
  assert.equal(event?.reason, 'aborted');
});

test("render() gives a device's file as its phone receives it; nothing for an unknown device", async () => {
  const rendered = await pipeline.render(KNOWN, `${KNOWN}.cfg`, 'http://192.0.2.1:8080');
  assert.equal(rendered?.driver.name, 'yealink');
  assert.match(rendered?.artifact?.body.toString('utf8') ?? '', /^account\.1\.user_name=2001$/m);
  assert.equal(
    await pipeline.render(UNKNOWN, `${UNKNOWN}.cfg`, 'http://192.0.2.1:8080'),
    undefined,
  );
  // A shared file is what every phone gets: the defaults, not this device's accounts.
  const common = await pipeline.render(KNOWN, 'y000000000000.cfg', 'http://192.0.2.1:8080');
  const text = common?.artifact?.body.toString('utf8') ?? '';
  assert.match(text, /^#!version:1\.0\.0\.1\n/);
  assert.doesNotMatch(text, /2001|Front Desk|pipeline-secret/);
  const served = await pipeline.answer(request('/y000000000000.cfg'));
  assert.equal((await bodyOf(served)).toString('utf8'), text);
  served.done({ status: 200, bytes: text.length });
});

test('a file rendered last year is rendered again in the new year: daylight-saving rules are a year’s', async () => {
  const own = await openStore({ memory: true });
  const events = new EventRecorder(own, { flushIntervalMs: 10_000 });
  let clock = new Date('2026-12-31T23:59:00Z');
  const yearly = new ProvisioningPipeline({
    store: own,
    drivers,
    recorder: events,
    now: () => clock,
  });
  const mac = '001565000042' as Mac;
  try {
    await addDevices(
      own,
      [{ mac, vendor: 'yealink', settings: { 'time.timezone': 'Asia/Jerusalem' } }],
      clock,
    );
    const fetch = async (): Promise<string> => {
      const answer = await yearly.answer(request(`/${mac}.cfg`));
      const body = await bodyOf(answer);
      answer.done({ status: answer.status, bytes: body.length });
      return body.toString('utf8');
    };
    const december = await fetch();
    assert.equal(await fetch(), december, 'the same year: the kept render');
    clock = new Date('2027-01-01T00:01:00Z');
    const january = await fetch();
    const dst = (text: string): string[] =>
      text.split('\n').filter((l) => /^local_time\.(start|end)_time=/.test(l));
    assert.ok(dst(december).length > 0, december);
    assert.notDeepEqual(dst(january), dst(december), "2027's rules, not 2026's");
  } finally {
    await events.close();
    await own.close();
  }
});

test('a store that cannot be read gives the same 404 as a missing file, and an internal-error event', async () => {
  const broken = await openStore({ memory: true });
  const events = new EventRecorder(broken, { flushIntervalMs: 10_000 });
  const outage = new ProvisioningPipeline({
    store: broken,
    drivers,
    recorder: events,
    now: () => NOW,
    missFloorMs: 0,
  });
  await addDevices(broken, [{ mac: KNOWN, vendor: 'yealink', settings: {} }], NOW);
  // Every read the pipeline makes fails, as on a database that went away; writes still work,
  // so the events can be read back.
  for (const read of [
    'getDevice',
    'listProfiles',
    'listFirmware',
    'listDevices',
    'openFile',
    'deviceBySerial',
    'contactOwners',
    'accessPoliciesInUse',
  ] as const) {
    (broken as unknown as Record<string, unknown>)[read] = (): Promise<never> =>
      Promise.reject(new Error('database went away'));
  }
  try {
    for (const path of [`/${KNOWN}.cfg`, '/nothing/here.bin']) {
      const answer = await outage.answer(request(path, { remoteAddress: '192.0.2.90' }));
      assert.deepEqual(
        { status: answer.status, size: answer.size, challenge: answer.challenge },
        { status: 404, size: 0, challenge: undefined },
        path,
      );
      answer.done({ status: 404, bytes: 0 });
    }
    await events.flush();
    const recorded = await broken.queryEvents({ limit: 10 });
    assert.deepEqual(recorded.map((e) => [e.file, e.reason]).sort(), [
      [`${KNOWN}.cfg`, 'internal-error'],
      ['nothing/here.bin', 'internal-error'],
    ]);
  } finally {
    await events.close();
    await broken.close();
  }
});
