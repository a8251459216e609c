import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Agent } from 'node:http';

import { startAcs, type AcsHarness } from './support.ts';
import { RawCpe, idOf, informBody, methodOf, responseBody } from './raw.ts';

// Every CWMP session opens with an Inform (TR-069 §3.7.1): an Inform on a session under way
// means the CPE started over, so that session ends and the Inform opens the next.

let h: AcsHarness;

before(async () => {
  h = await startAcs();
});

after(async () => {
  await h.close();
});

test('an Inform with the cookie of a session under way ends it and opens a new one', async () => {
  const cpe = new RawCpe(h.acsUrl);
  // A new connection for each request: the cookie alone says which session it belongs to.
  const fresh = (): Agent => new Agent({ keepAlive: false });
  try {
    assert.equal(
      (await cpe.post(informBody({ events: ['1 BOOT'] }), { agent: fresh() })).status,
      200,
    );
    const first = cpe.cookie;
    const asked = await cpe.post('', { agent: fresh(), useCookie: true });
    assert.equal(methodOf(asked.body), 'GetParameterValues');
    // The CPE rebooted before answering, and informs on the session it had.
    const again = await cpe.post(informBody({ events: ['1 BOOT'], id: 'again' }), {
      agent: fresh(),
      useCookie: true,
    });
    assert.equal(again.status, 200);
    assert.equal(methodOf(again.body), 'InformResponse');
    assert.equal(idOf(again.body), 'again');
    const second = cpe.cookie;
    assert.notEqual(second, first);
    assert.equal(h.acs.sessions, 1);
    // The old session is gone: its cookie belongs to nothing; the new one starts from the top.
    const stale = await cpe.post(responseBody('GetParameterValuesResponse', idOf(asked.body)), {
      agent: fresh(),
      headers: { cookie: first! },
    });
    assert.equal(stale.status, 204);
    const next = await cpe.post('', { agent: fresh(), useCookie: true });
    assert.equal(next.status, 200);
    assert.equal(methodOf(next.body), 'GetParameterValues');
  } finally {
    cpe.close();
  }
});

test('a CPE without cookies that informs again on its connection has one session, not two', async () => {
  const cpe = new RawCpe(h.acsUrl);
  try {
    assert.equal((await cpe.post(informBody({ events: ['2 PERIODIC'] }))).status, 200);
    assert.equal((await cpe.post(informBody({ events: ['1 BOOT'] }))).status, 200);
    assert.equal(h.acs.sessions, 1);
    // The session on the connection is the new one: a boot asks for the device's facts.
    const next = await cpe.post('');
    assert.equal(methodOf(next.body), 'GetParameterValues');
  } finally {
    cpe.close();
  }
});
