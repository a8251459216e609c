import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import type { Mac } from '../../src/model/mac.ts';
import type { CwmpHttpReply, CwmpHttpRequest } from '../../src/tr069/acs.ts';
import { startAcsDoor } from '../../src/tr069/door.ts';
import { MAX_ENVELOPE_BYTES } from '../../src/tr069/soap.ts';
import { FANVIL_DEVICE, acsOf, startAcs, type AcsHarness } from './support.ts';
import { RawCpe, informBody, methodOf } from './raw.ts';

// What a flood of Informs can hold: each session keeps a few strings of its own, never the
// request it came in; unknown devices keep nothing; a full table or address refuses the
// newcomer with 503 and leaves the sessions under way alone.

/** Devices 0c383e100000… in the store: enough that what their sessions hold stands out. */
const DEVICES = 64;
const macOf = (i: number): Mac => `0c383e10${i.toString(16).padStart(4, '0')}` as Mac;

let h: AcsHarness;

before(async () => {
  h = await startAcs(
    Array.from({ length: DEVICES }, (_, i) => ({ ...FANVIL_DEVICE, mac: macOf(i) })),
  );
});

after(async () => {
  await h.close();
});

/** One request straight to the ACS, as the door would hand it over (no socket: no traffic). */
function request(body: string, from: { address: string; connection: object }): CwmpHttpRequest {
  return {
    body: Buffer.from(body),
    connection: from.connection,
    remoteAddress: from.address,
    localAddress: '127.0.0.1',
    origin: 'http://127.0.0.1:7547',
    rawPath: '/acs',
    method: 'POST',
  };
}

/** An Inform near what the envelope limits let through: 1000 parameters (3000 elements), 210 KiB. */
function floodInform(mac: string, events: string[]): string {
  const parameters = Array.from({ length: 1000 }, (_, i): [string, string] => [
    `InternetGatewayDevice.X_Flood.P${i}`,
    'x'.repeat(80),
  ]);
  const body = informBody({ events, serial: mac, parameters });
  assert.ok(Buffer.byteLength(body) < MAX_ENVELOPE_BYTES, String(Buffer.byteLength(body)));
  return body;
}

function heapAfterGc(): number {
  // --expose-gc for this process, without asking whoever runs the tests for the flag.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test('a session keeps a few strings of its own, not the Inform it came in (up to 256 KiB)', async () => {
  const connections = Array.from({ length: DEVICES }, () => ({}));
  const from = (i: number): { address: string; connection: object } => ({
    address: `127.0.1.${i + 1}`,
    connection: connections[i]!,
  });
  // A 20-character event code: long enough that V8 would keep it as a slice of the whole
  // request text, had the session kept it as it came.
  const inform = (i: number): string => floodInform(macOf(i), ['1 BOOT', '6 CONNECTION REQUEST']);
  const open = async (i: number): Promise<void> => {
    assert.equal((await h.acs.answer(request(inform(i), from(i)))).status, 200);
  };
  // A message that is no envelope ends its session (400).
  const end = async (i: number): Promise<void> => {
    assert.equal((await h.acs.answer(request('x', from(i)))).status, 400);
  };
  // Once through both first, so that what they leave behind once (caches, compiled code)
  // weighs on neither measure.
  await open(0);
  await end(0);
  for (let i = 0; i < DEVICES; i++) await open(i);
  await h.harness.runtime.recorder.flush();
  const withSessions = heapAfterGc();
  assert.equal(h.acs.sessions, DEVICES);
  // What the session kept is what the plan reads: its device and its event codes.
  const next = await h.acs.answer(request('', from(0)));
  assert.equal(methodOf(next.body ?? ''), 'GetParameterValues');
  for (let i = 0; i < DEVICES; i++) await end(i);
  await h.harness.runtime.recorder.flush();
  assert.equal(h.acs.sessions, 0);
  const held = (withSessions - heapAfterGc()) / DEVICES;
  // The sessions that kept the parsed Inform, and through it the request text, held 320 KiB.
  assert.ok(held < 16 * 1024, `each session held ${Math.round(held)} bytes`);
});

test('an unknown device is answered InformResponse but holds no session', async () => {
  const open = h.acs.sessions;
  const cpe = new RawCpe(h.acsUrl);
  try {
    for (let i = 0; i < 20; i++) {
      const inform = await cpe.post(
        informBody({ events: ['1 BOOT'], serial: `0c383eff${String(i).padStart(4, '0')}` }),
      );
      assert.equal(inform.status, 200);
      assert.equal(methodOf(inform.body), 'InformResponse');
      assert.equal(inform.headers['set-cookie'], undefined);
      // Its next request ends the exchange, as it did when it was given an empty session.
      assert.equal((await cpe.post('')).status, 204);
    }
    assert.equal(h.acs.sessions, open);
  } finally {
    cpe.close();
  }
  await h.harness.runtime.recorder.flush();
  const events = await h.harness.runtime.store.queryEvents({ limit: 500 });
  assert.ok(
    events.some(
      (e) => e.file === 'cwmp/Inform' && e.reason === 'unknown-device' && e.status === 200,
    ),
  );
});

test('one address holds 16 sessions; the 17th is told 503 with Retry-After, and the 16 go on', async () => {
  const perAddress = 16;
  const cpes = Array.from({ length: perAddress + 1 }, () => new RawCpe(h.acsUrl));
  try {
    for (let i = 0; i < perAddress; i++) {
      const inform = await cpes[i]!.post(informBody({ events: ['1 BOOT'], serial: macOf(i) }));
      assert.equal(inform.status, 200, `session ${i + 1}`);
    }
    const refused = await cpes[perAddress]!.post(
      informBody({ events: ['1 BOOT'], serial: macOf(perAddress) }),
    );
    assert.equal(refused.status, 503);
    assert.equal(refused.headers['retry-after'], '10');
    assert.equal(refused.headers['connection'], 'close');
    assert.equal(refused.headers['set-cookie'], undefined);
    // No session was ended to make room: the first goes on where it was.
    for (const cpe of cpes.slice(0, perAddress)) {
      const next = await cpe.post('', { useCookie: true });
      assert.equal(next.status, 200);
      assert.equal(methodOf(next.body), 'GetParameterValues');
    }
    // A session that ends (here on a message that is no envelope) makes room for the one
    // refused, when it tries again.
    assert.equal((await cpes[0]!.post('x', { useCookie: true })).status, 400);
    const again = await cpes[perAddress]!.post(
      informBody({ events: ['1 BOOT'], serial: macOf(perAddress) }),
    );
    assert.equal(again.status, 200);
  } finally {
    for (const cpe of cpes) cpe.close();
  }
  await h.harness.runtime.recorder.flush();
  const events = await h.harness.runtime.store.queryEvents({ mac: macOf(perAddress), limit: 10 });
  assert.ok(
    events.some((e) => e.status === 503 && e.reason === 'too-many-sessions-from-address'),
    JSON.stringify(events),
  );
});

test('a full table refuses the newcomer, from any address, and keeps every session under way', async () => {
  const acs = acsOf(h.harness, { sessionLimits: { sessions: 4, perAddress: 16 } });
  const from = Array.from({ length: 6 }, (_, i) => ({
    address: `127.0.2.${i + 1}`,
    connection: {},
  }));
  const inform = (i: number): Promise<CwmpHttpReply> =>
    acs.answer(request(informBody({ events: ['1 BOOT'], serial: macOf(i) }), from[i]!));
  for (let i = 0; i < 4; i++) assert.equal((await inform(i)).status, 200);
  const refused = await inform(4);
  assert.deepEqual(
    { status: refused.status, retryAfter: refused.retryAfter, sessionId: refused.sessionId },
    { status: 503, retryAfter: 10, sessionId: undefined },
  );
  assert.equal(acs.sessions, 4);
  for (let i = 0; i < 4; i++) {
    const next = await acs.answer(request('', from[i]!));
    assert.equal(methodOf(next.body ?? ''), 'GetParameterValues', `session ${i + 1}`);
  }
  // A device already in session replaces its own: the table is full, but not for it.
  assert.equal((await inform(0)).status, 200);
  assert.equal(acs.sessions, 4);
});

test('behind a trusted proxy, which speaks for many CPEs, sessions are not capped per address', async () => {
  const door = await startAcsDoor({ acs: h.acs, host: '127.0.0.1', port: 0, exempt: () => true });
  const url = `http://127.0.0.1:${door.address.port}/acs`;
  const cpes = Array.from({ length: 20 }, () => new RawCpe(url));
  try {
    for (let i = 0; i < cpes.length; i++) {
      const inform = await cpes[i]!.post(informBody({ events: ['1 BOOT'], serial: macOf(20 + i) }));
      assert.equal(inform.status, 200, `session ${i + 1}`);
    }
  } finally {
    for (const cpe of cpes) cpe.close();
    await door.close();
  }
});
