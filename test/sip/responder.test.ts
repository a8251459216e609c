import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { drivers } from '../../src/drivers/registry.ts';
import { addDevices } from '../../src/management/devices.ts';
import type { Mac } from '../../src/model/mac.ts';
import { doorUrls } from '../../src/config/door-urls.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import { startSipDoor, type SipDoor } from '../../src/sip/door.ts';
import type { SipRequest, SipResponse } from '../../src/sip/message.ts';
import type { UnknownPolicy } from '../../src/sip/policy.ts';
import { parseNameAddr, parseVia } from '../../src/sip/values.ts';
import { tempDir } from '../support/harness.ts';
import {
  TestPhone,
  body,
  header,
  headers,
  isRequest,
  isResponse,
  subscribeText,
} from './support.ts';

const KNOWN = '0021f2000001';
const FORMS = [
  `MAC%3a${KNOWN}`,
  `MAC%3A${KNOWN.toUpperCase()}`,
  `MAC:${KNOWN}`,
  `MAC=${KNOWN}`,
  `MAC${KNOWN}`,
];
// Fast timers: a lost NOTIFY is sent again after 100 ms, given up after 64·T1 = 6.4 s (room
// for a loaded test machine); the door that tests giving up uses T1 20 ms (1.28 s).
const TIMERS = { t1: 100, t2: 400 };
const IMPATIENT = { t1: 20, t2: 80 };

let dir: string;
let runtime: Runtime;
const doors: SipDoor[] = [];
const phones: TestPhone[] = [];

async function door(
  unknown: UnknownPolicy = 'pending-answer',
  timers: typeof TIMERS = TIMERS,
): Promise<SipDoor> {
  const started = await startSipDoor({
    host: '127.0.0.1',
    port: 0,
    interfaces: 'none',
    unknown,
    store: runtime.store,
    drivers,
    recorder: runtime.recorder,
    doorUrls: (reachedAt) =>
      doorUrls(
        { tftp: { host: '0.0.0.0', port: 69 }, http: { host: '0.0.0.0', port: 8080 } },
        { reachedAt },
      ),
    timers,
  });
  doors.push(started);
  return started;
}

async function phone(): Promise<TestPhone> {
  const p = await TestPhone.open();
  phones.push(p);
  return p;
}

async function eventsOf(
  mac: string,
): Promise<Awaited<ReturnType<Runtime['store']['queryEvents']>>> {
  await runtime.recorder.flush();
  return runtime.store.queryEvents({ mac });
}

before(async () => {
  dir = tempDir();
  runtime = await openRuntime({ dataDir: dir });
  await addDevices(
    runtime.store,
    [
      {
        mac: KNOWN,
        vendor: 'flyingvoice',
        settings: { 'accounts.1.user': '1001', 'accounts.1.password': 's3cret' },
      },
    ],
    new Date(),
  );
});

after(async () => {
  for (const p of phones) await p.close();
  for (const d of doors) await d.close();
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('plug-and-play responder on loopback', () => {
  let sip: SipDoor;
  before(async () => {
    sip = await door();
  });

  for (const user of FORMS) {
    test(`${user.slice(0, 6)}…: 200 OK, then a NOTIFY with the device's boot file URL`, async () => {
      const p = await phone();
      const text = subscribeText(user, p.port);
      p.send(text, sip.address.port);

      const ok = (await p.next(isResponse(200))) as SipResponse;
      const via = parseVia(header(ok, 'Via')!)!;
      assert.equal(via.params['rport'], String(p.port));
      // RFC 3581 §4: with rport asked for, received is set even where it equals sent-by.
      assert.equal(via.params['received'], '127.0.0.1');
      assert.equal(header(ok, 'From'), `<sip:${user}@224.0.1.75>;tag=ph${p.port}`);
      const toTag = parseNameAddr(header(ok, 'To')!)!.params['tag'];
      assert.ok(toTag, 'a To tag is added');
      assert.equal(header(ok, 'Expires'), '0');
      assert.equal(header(ok, 'CSeq'), '1 SUBSCRIBE');
      assert.equal(header(ok, 'Call-ID'), header(parseRequest(text), 'Call-ID'));

      const notify = (await p.next(isRequest('NOTIFY'))) as SipRequest;
      assert.equal(notify.uri, `sip:${user}@127.0.0.1:${p.port}`);
      assert.equal(body(notify), 'tftp://127.0.0.1/0021f2000001.boot');
      assert.equal(header(notify, 'Content-Type'), 'application/url');
      assert.equal(header(notify, 'Subscription-State'), 'terminated;reason=timeout');
      assert.equal(header(notify, 'Event'), header(parseRequest(text), 'Event'));
      assert.equal(parseNameAddr(header(notify, 'From')!)!.params['tag'], toTag);
      assert.equal(header(notify, 'To'), `<sip:${user}@224.0.1.75>;tag=ph${p.port}`);
      assert.equal(header(notify, 'Call-ID'), header(ok, 'Call-ID'));
      p.answer(notify, 200, 'OK', sip.address.port);

      const events = await waitForEvents(KNOWN, (e) => e.some((x) => x.file.endsWith('.boot')));
      const event = events[0]!;
      assert.equal(event.transport, 'sip');
      assert.equal(event.status, 200);
      assert.equal(event.driver, 'yealink');
      assert.equal(event.file, 'tftp://127.0.0.1/0021f2000001.boot');
      assert.equal(event.address, '127.0.0.1');
      assert.equal(event.reason, undefined);
    });
  }

  test('a NOTIFY lost once is sent again (timer E) and the event counts it', async () => {
    const p = await phone();
    p.send(subscribeText(`MAC${KNOWN}`, p.port), sip.address.port);
    await p.next(isResponse(200));
    const first = (await p.next(isRequest('NOTIFY'))) as SipRequest;
    // The phone "loses" it and answers only the retransmission.
    const again = (await p.next(isRequest('NOTIFY'), 5000)) as SipRequest;
    assert.equal(header(again, 'Via'), header(first, 'Via'), 'same transaction, same branch');
    assert.equal(header(again, 'CSeq'), '1 NOTIFY');
    assert.deepEqual(again.body, first.body);
    p.answer(again, 200, 'OK', sip.address.port);
    const events = await waitForEvents(KNOWN, (e) => (e[0]?.retransmissions ?? 0) >= 1);
    assert.equal(events[0]!.status, 200);
  });

  test('a retransmitted SUBSCRIBE gets the same 200 OK again and no second NOTIFY', async () => {
    const p = await phone();
    const text = subscribeText(`MAC${KNOWN}`, p.port, { branch: 'z9hG4bKsame' });
    p.send(text, sip.address.port);
    const ok1 = await p.next(isResponse(200));
    p.send(text, sip.address.port);
    const ok2 = await p.next(isResponse(200));
    assert.equal(header(ok2, 'To'), header(ok1, 'To'));
    const notify = (await p.next(isRequest('NOTIFY'))) as SipRequest;
    p.answer(notify, 200, 'OK', sip.address.port);
    await new Promise((r) => setTimeout(r, 150));
    // Retransmissions of that NOTIFY may still arrive on a slow machine; a new one may not.
    const others = p.inbox.filter(
      (e) => isRequest('NOTIFY')(e.message) && header(e.message, 'Via') !== header(notify, 'Via'),
    );
    assert.equal(others.length, 0);
  });

  test('an unanswered NOTIFY gives up after timer F; the event says so', async () => {
    const mac = '0021f20000a1';
    await addDevices(runtime.store, [{ mac, vendor: 'flyingvoice' }], new Date());
    const impatient = await door('pending-answer', IMPATIENT);
    const p = await phone();
    p.send(subscribeText(`MAC${mac}`, p.port), impatient.address.port);
    await p.next(isResponse(200));
    const events = await waitForEvents(mac, (e) => e.length > 0, 4000);
    assert.equal(events[0]!.status, 408);
    assert.equal(events[0]!.reason, 'notify-timeout');
    assert.ok(events[0]!.retransmissions! >= 3);
  });

  test('without rport the answers go to the Via port, and the NOTIFY to the Contact', async () => {
    const p = await phone();
    p.send(subscribeText(`MAC${KNOWN}`, p.port, { rport: false }), sip.address.port);
    const ok = await p.next(isResponse(200));
    assert.equal(parseVia(header(ok, 'Via')!)!.params['rport'], undefined);
    const notify = (await p.next(isRequest('NOTIFY'))) as SipRequest;
    p.answer(notify, 200, 'OK', sip.address.port);
  });

  test('an unknown Yealink phone gets the common boot file and is recorded as pending', async () => {
    const p = await phone();
    p.send(subscribeText('MAC%3a805ec0aa0001', p.port, { vendor: 'Yealink' }), sip.address.port);
    await p.next(isResponse(200));
    const notify = (await p.next(isRequest('NOTIFY'))) as SipRequest;
    assert.equal(body(notify), 'tftp://127.0.0.1/y000000000000.boot');
    p.answer(notify, 200, 'OK', sip.address.port);
    const pending = await runtime.store.listPendingPhones();
    const found = pending.find((x) => x.mac === '805ec0aa0001');
    assert.equal(found?.vendor, 'yealink');
    assert.equal(found?.model, 'FIP14G');
    assert.equal(found?.address, '127.0.0.1');
    const events = await waitForEvents('805ec0aa0001', (e) => e.length > 0);
    assert.equal(events[0]!.status, 200);
  });

  test('other requests: OPTIONS answered, INVITE refused, bad SUBSCRIBEs refused on unicast', async () => {
    const p = await phone();
    const options = subscribeText('x', p.port)
      .replace('SUBSCRIBE sip:x@224.0.1.75', `OPTIONS sip:plugndial@127.0.0.1:${sip.address.port}`)
      .replace('CSeq: 1 SUBSCRIBE', 'CSeq: 1 OPTIONS');
    p.send(options, sip.address.port);
    const allowed = await p.next(isResponse(200));
    assert.deepEqual(headers(allowed, 'Allow'), ['SUBSCRIBE', 'OPTIONS']);
    const invite = options.replace(/OPTIONS/g, 'INVITE');
    p.send(invite, sip.address.port);
    await p.next(isResponse(405));
    // The phone ACKs the 405, and again for each copy of it it hears: the ACKs are absorbed,
    // not answered with the 405 again (which would have the phone ACK again, and so on).
    const ack = invite.replace('INVITE sip:', 'ACK sip:').replace('CSeq: 1 INVITE', 'CSeq: 1 ACK');
    for (let i = 0; i < 3; i++) p.send(ack, sip.address.port);
    // Answers on loopback arrive in order: by the answer to what follows, any 405 would be in.
    const later = (method: string, cseq: number): string =>
      options
        .replace(/OPTIONS/g, method)
        .replace(/branch=[^;\r\n]+/, `branch=z9hG4bK${method.toLowerCase()}${cseq}`)
        .replace(`CSeq: 1 ${method}`, `CSeq: ${cseq} ${method}`);
    p.send(later('CANCEL', 2), sip.address.port);
    await p.next(isResponse(481));
    p.send(later('FROBNICATE', 3), sip.address.port);
    await p.next(isResponse(501));
    p.send(later('BYE', 4), sip.address.port);
    await p.next(isResponse(405));
    assert.equal(p.inbox.length, 0, 'nothing more: no 405 again for the ACKs');

    const presence = subscribeText(`MAC${KNOWN}`, p.port)
      .replace('224.0.1.75 SIP', `127.0.0.1:${sip.address.port} SIP`)
      .replace(/Event: .*/, 'Event: presence');
    p.send(presence, sip.address.port);
    await p.next(isResponse(489));
    const noMac = subscribeText('alice', p.port).replace(
      'sip:alice@224.0.1.75 SIP',
      `sip:alice@127.0.0.1 SIP`,
    );
    p.send(noMac, sip.address.port);
    await p.next(isResponse(404));
    // No Via: nothing can be answered, but the SUBSCRIBE is still an event.
    p.send(subscribeText('MAC0021f20000c1', p.port).replace(/^Via: .*\r\n/m, ''), sip.address.port);
    const noVia = await waitForEvents('0021f20000c1', (e) => e.length > 0);
    assert.deepEqual([noVia[0]?.status, noVia[0]?.reason], [400, 'bad-request']);
    // Sent to the group, the same requests get no answer at all.
    p.send(subscribeText('alice', p.port), sip.address.port);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(p.inbox.length, 0);
  });
});

describe('unknown phones by policy', () => {
  for (const [policy, answers, pending] of [
    ['ignore', false, false],
    ['pending', false, true],
    ['answer', true, false],
  ] as const) {
    test(`${policy}: ${answers ? 'answered' : 'not answered'}, ${pending ? '' : 'not '}recorded`, async () => {
      const sip = await door(policy);
      const mac = `0015650000${policy === 'ignore' ? 'b1' : policy === 'pending' ? 'b2' : 'b3'}`;
      const p = await phone();
      p.send(subscribeText(`MAC${mac}`, p.port, { vendor: 'Yealink' }), sip.address.port);
      if (answers) {
        await p.next(isResponse(200));
        const notify = (await p.next(isRequest('NOTIFY'))) as SipRequest;
        assert.equal(body(notify), 'tftp://127.0.0.1/y000000000000.boot');
        p.answer(notify, 200, 'OK', sip.address.port);
      } else {
        await new Promise((r) => setTimeout(r, 150));
        assert.equal(p.inbox.length, 0);
      }
      const recorded = (await runtime.store.listPendingPhones()).some((x) => x.mac === mac);
      assert.equal(recorded, pending);
      const events = await waitForEvents(mac, (e) => e.length > 0);
      assert.equal(events.length, 1, 'one event per SUBSCRIBE');
      assert.equal(events[0]!.status, answers ? 200 : 404);
      if (!answers)
        assert.equal(events[0]!.reason, policy === 'ignore' ? 'unknown-ignored' : 'pending');
    });
  }
});

function parseRequest(text: string): SipRequest {
  return {
    kind: 'request',
    method: 'SUBSCRIBE',
    uri: '',
    body: Buffer.alloc(0),
    headers: text
      .split('\r\n')
      .slice(1)
      .filter((l) => l.includes(':'))
      .map((l) => ({
        name: l.slice(0, l.indexOf(':')),
        value: l.slice(l.indexOf(':') + 1).trim(),
      })),
  };
}

async function waitForEvents(
  mac: string,
  ready: (events: Awaited<ReturnType<typeof eventsOf>>) => boolean,
  ms = 3000,
): Promise<Awaited<ReturnType<typeof eventsOf>>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const events = await eventsOf(mac as Mac);
    if (ready(events) || Date.now() > deadline) return events;
    await new Promise((r) => setTimeout(r, 30));
  }
}
