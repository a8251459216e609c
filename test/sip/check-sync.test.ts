import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { drivers } from '../../src/drivers/registry.ts';
import { isPlugndialError } from '../../src/errors.ts';
import { addDevices, patchDevice } from '../../src/management/devices.ts';
import type { Device } from '../../src/model/device.ts';
import type { Mac } from '../../src/model/mac.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import { CheckSync, checkSyncTarget } from '../../src/sip/check-sync.ts';
import { ephemeralEndpoint } from '../../src/sip/door.ts';
import type { SipRequest } from '../../src/sip/message.ts';
import { localAddressTowards } from '../../src/sip/transport.ts';
import { tempDir } from '../support/harness.ts';
import { TestPhone, header, isRequest } from './support.ts';

const MAC = '0021f2000001' as Mac;
const PASSWORD = 's3cret-pw';

let dir: string;
let runtime: Runtime;
let phone: TestPhone;
let sender: CheckSync;
// T1 100 ms: a phone on a loaded test machine still answers within timer F (6.4 s); the
// silent phone is asked by a sender with T1 20 ms, so its timeout comes after 1.28 s.
const endpoint = ephemeralEndpoint({ t1: 100, t2: 400 });
const fastEndpoint = ephemeralEndpoint({ t1: 20, t2: 80 });

before(async () => {
  dir = tempDir();
  runtime = await openRuntime({ dataDir: dir });
  phone = await TestPhone.open();
  await addDevices(
    runtime.store,
    [
      {
        mac: MAC,
        vendor: 'flyingvoice',
        settings: {
          'accounts.1.user': '1001',
          'accounts.1.auth_user': 'auth1001',
          'accounts.1.password': PASSWORD,
          'sip.contact': `sip:1001@127.0.0.1:${phone.port}`,
        },
      },
      { mac: '0021f2000002', vendor: 'flyingvoice' },
    ],
    new Date(),
  );
  sender = new CheckSync({
    store: runtime.store,
    drivers,
    recorder: runtime.recorder,
    endpoint: endpoint.get,
    localAddress: localAddressTowards,
    cnonce: () => 'c0ffee',
  });
});

after(async () => {
  await endpoint.close();
  await fastEndpoint.close();
  await phone.close();
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/** The Authorization parameters as a phone reads them. */
function authParams(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of value.replace(/^Digest\s+/, '').matchAll(/(\w+)=("([^"]*)"|[^,\s]+)/g)) {
    out[m[1]!] = m[3] ?? m[2]!;
  }
  return out;
}

/** Runs a resync while the phone plays `script` on what it receives. */
async function resync(
  reboot: boolean,
  script: (notify: SipRequest, from: number) => Promise<void>,
  via: CheckSync = sender,
): ReturnType<CheckSync['resync']> {
  const outcome = via.resync(MAC, { reboot });
  const notify = (await phone.next(isRequest('NOTIFY'))) as SipRequest;
  const from = Number(/:(\d+);branch/.exec(header(notify, 'Via')!)![1]);
  await script(notify, from);
  return outcome;
}

describe('check-sync NOTIFY', () => {
  test('check-sync to the sip.contact; the outcome is kept with the device and logged', async () => {
    const outcome = await resync(false, async (notify, from) => {
      assert.equal(notify.uri, `sip:1001@127.0.0.1:${phone.port}`);
      assert.equal(header(notify, 'Event'), 'check-sync');
      assert.equal(header(notify, 'To'), `<sip:1001@127.0.0.1:${phone.port}>`);
      assert.equal(header(notify, 'CSeq'), '1 NOTIFY');
      assert.equal(header(notify, 'Subscription-State'), 'terminated');
      assert.equal(notify.body.length, 0);
      phone.answer(notify, 200, 'OK', from);
    });
    assert.equal(outcome.ok, true);
    assert.equal(outcome.status, 200);
    assert.equal(outcome.event, 'check-sync');
    assert.equal(outcome.target, `sip:1001@127.0.0.1:${phone.port}`);
    assert.deepEqual((await runtime.store.resyncOutcomes([MAC])).get(MAC), outcome);
    await runtime.recorder.flush();
    const [event] = await runtime.store.queryEvents({ mac: MAC });
    assert.equal(event!.transport, 'sip');
    assert.equal(event!.file, 'check-sync');
    assert.equal(event!.status, 200);
    assert.equal(event!.driver, 'yealink');
  });

  test('reboot=true where the driver supports it', async () => {
    const outcome = await resync(true, async (notify, from) => {
      assert.equal(header(notify, 'Event'), 'check-sync;reboot=true');
      phone.answer(notify, 200, 'OK', from);
    });
    assert.equal(outcome.event, 'check-sync;reboot=true');
    assert.equal(outcome.ok, true);
  });

  for (const [status, challenge, answer] of [
    [401, 'WWW-Authenticate', 'Authorization'],
    [407, 'Proxy-Authenticate', 'Proxy-Authorization'],
  ] as const) {
    test(`a ${status} challenge is answered with digest credentials of accounts.1`, async () => {
      const outcome = await resync(false, async (notify, from) => {
        phone.answer(
          notify,
          status,
          status === 401 ? 'Unauthorized' : 'Proxy Authentication Required',
          from,
          `${challenge}: Digest realm="phone", nonce="abc123", qop="auth", algorithm=MD5, opaque="op"`,
        );
        const second = (await phone.next(isRequest('NOTIFY'))) as SipRequest;
        assert.equal(header(second, 'CSeq'), '2 NOTIFY');
        assert.equal(header(second, 'Call-ID'), header(notify, 'Call-ID'));
        assert.notEqual(header(second, 'Via'), header(notify, 'Via'), 'a new transaction');
        const auth = authParams(header(second, answer)!);
        assert.equal(auth['username'], 'auth1001');
        assert.equal(auth['realm'], 'phone');
        assert.equal(auth['uri'], second.uri);
        assert.equal(auth['opaque'], 'op');
        assert.equal(auth['cnonce'], 'c0ffee');
        assert.equal(auth['nc'], '00000001');
        const ha1 = md5(`auth1001:phone:${PASSWORD}`);
        const ha2 = md5(`NOTIFY:${second.uri}`);
        assert.equal(auth['response'], md5(`${ha1}:abc123:00000001:c0ffee:auth:${ha2}`));
        phone.answer(second, 200, 'OK', from);
      });
      assert.equal(outcome.status, 200);
      assert.equal(outcome.ok, true);
    });
  }

  test('a second challenge means the credentials were refused', async () => {
    const outcome = await resync(false, async (notify, from) => {
      const www = 'WWW-Authenticate: Digest realm="phone", nonce="n1"';
      phone.answer(notify, 401, 'Unauthorized', from, www);
      const second = (await phone.next(isRequest('NOTIFY'))) as SipRequest;
      phone.answer(second, 401, 'Unauthorized', from, www);
    });
    assert.deepEqual([outcome.status, outcome.ok, outcome.reason], [401, false, 'auth-rejected']);
  });

  test('a refusal and a silent phone are outcomes too; no password anywhere', async () => {
    const refused = await resync(false, async (notify, from) => {
      phone.answer(notify, 481, 'Call/Transaction Does Not Exist', from);
    });
    assert.deepEqual([refused.status, refused.reason], [481, 'call-transaction-does-not-exist']);
    const impatient = new CheckSync({
      store: runtime.store,
      drivers,
      recorder: runtime.recorder,
      endpoint: fastEndpoint.get,
      localAddress: localAddressTowards,
    });
    const silent = await resync(false, async () => undefined, impatient);
    assert.deepEqual([silent.status, silent.ok, silent.reason], [408, false, 'timeout']);
    assert.ok(silent.retransmissions >= 3);
    await runtime.recorder.flush();
    const events = await runtime.store.queryEvents({ mac: MAC });
    assert.equal(events[0]!.status, 408);
    assert.doesNotMatch(JSON.stringify([events, refused, silent]), new RegExp(PASSWORD));
    phone.inbox.length = 0;
  });

  test('refused before sending: unknown device, no address, resync from SIP disabled', async () => {
    const code = async (mac: string): Promise<string> => {
      try {
        await sender.resync(mac as Mac, { reboot: false });
        return 'sent';
      } catch (error) {
        assert.ok(isPlugndialError(error));
        assert.doesNotMatch(error.message, new RegExp(PASSWORD));
        return error.code;
      }
    };
    assert.equal(await code('0021f20000ff'), 'PND_DEVICE_NOT_FOUND');
    assert.equal(await code('0021f2000002'), 'PND_SIP_NO_ADDRESS');
    await patchDevice(
      runtime.store,
      '0021f2000002',
      { settings: { 'provisioning.resync_from_sip': 'false', 'sip.contact': '127.0.0.1:9' } },
      new Date(),
    );
    assert.equal(await code('0021f2000002'), 'PND_SIP_RESYNC_DISABLED');
  });
});

test('the target: sip.contact, else the last provisioning address at port 5060', () => {
  const device = (settings: Device['settings'], lastContact?: string): Device => ({
    mac: MAC,
    vendor: 'flyingvoice',
    profiles: [],
    settings,
    createdAt: '',
    updatedAt: '',
    ...(lastContact
      ? {
          lastContact: {
            at: '',
            address: lastContact,
            file: 'x',
            transport: 'tftp',
            status: 200,
          },
        }
      : {}),
  });
  const target = (settings: Device['settings'], last?: string): unknown => {
    const result = checkSyncTarget(device(settings, last), settings);
    return result.ok ? result.value : result.error.code;
  };
  assert.deepEqual(target({ 'accounts.1.user': '1001' }, '192.0.2.5'), {
    uri: 'sip:1001@192.0.2.5:5060',
    user: '1001',
    host: '192.0.2.5',
    port: 5060,
  });
  assert.deepEqual(target({}, '2001:db8::5'), {
    uri: 'sip:[2001:db8::5]:5060',
    host: '2001:db8::5',
    port: 5060,
  });
  assert.deepEqual(target({ 'accounts.1.user': '1001', 'sip.contact': 'sip:7@10.0.0.9:5062' }), {
    uri: 'sip:7@10.0.0.9:5062',
    user: '7',
    host: '10.0.0.9',
    port: 5062,
  });
  assert.deepEqual(target({ 'sip.contact': 'phone.example.com' }, '192.0.2.5'), {
    uri: 'sip:phone.example.com:5060',
    host: 'phone.example.com',
    port: 5060,
  });
  assert.equal(target({}), 'PND_SIP_NO_ADDRESS');
});
