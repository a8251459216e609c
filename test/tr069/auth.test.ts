import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { Mac } from '../../src/model/mac.ts';
import { FANVIL_DEVICE, startAcs, type AcsHarness } from './support.ts';
import { RawCpe, informBody } from './raw.ts';

// A phone whose policy wants its own credentials, with no first-contact window: the ACS
// challenges its Inform, and the HTTP door its fetch, which only the Download's one-time
// credentials open.
const MAC = '0c383e07e16d' as Mac;
let h: AcsHarness;
let credentials: { username: string; password: string };

before(async () => {
  h = await startAcs([
    {
      ...FANVIL_DEVICE,
      mac: MAC,
      settings: {
        ...FANVIL_DEVICE.settings,
        'provisioning.access': 'device-credentials',
        'provisioning.first_contact_window': 0,
      },
    },
  ]);
  const answer = await h.harness.api('GET', `/devices/${MAC}/credentials?secrets=true`);
  credentials = answer.body as { username: string; password: string };
  assert.equal(credentials.username, MAC);
});

after(async () => {
  await h.close();
});

test('an Inform without credentials is challenged with digest; wrong ones are refused', async () => {
  const cpe = new RawCpe(h.acsUrl);
  try {
    const bare = await cpe.post(informBody({ events: ['1 BOOT'], serial: MAC }));
    assert.equal(bare.status, 401);
    assert.match(String(bare.headers['www-authenticate']), /Digest realm="plugndial", qop="auth"/);
    const wrong = await h.cpe({
      mac: MAC,
      credentials: { username: MAC, password: 'not-the-password' },
      description: { ...cpeOf(), serialNumber: MAC },
    });
    assert.equal(wrong.ok, false);
    assert.match(wrong.exchanges[0]!, /^Inform → 401/);
  } finally {
    cpe.close();
  }
});

test('with its credentials the CPE is provisioned; the file opens to the one-time credentials once', async () => {
  const run = await h.cpe({
    mac: MAC,
    credentials,
    description: { ...cpeOf(), serialNumber: MAC },
  });
  assert.ok(run.ok, run.exchanges.join('\n'));
  assert.equal(run.downloads.length, 1);
  assert.equal(run.downloads[0]!.faultCode, 0);
  assert.match(run.files[`${MAC}.cfg`]!.toString(), /SIP1 Register User\s*:2001/);
  // The same file without credentials: challenged, not served.
  const bare = await fetch(`${h.harness.url}/${MAC}.cfg`);
  assert.equal(bare.status, 401);
  await h.harness.runtime.recorder.flush();
  const events = await h.harness.runtime.store.queryEvents({ mac: MAC, limit: 100 });
  assert.ok(events.some((e) => e.transport === 'http' && e.status === 200));
  assert.ok(!JSON.stringify(events).includes(credentials.password));
});

function cpeOf(): {
  manufacturer: string;
  oui: string;
  productClass: string;
  serialNumber: string;
  softwareVersion: string;
  root: 'InternetGatewayDevice';
} {
  return {
    manufacturer: 'Fanvil',
    oui: '0C383E',
    productClass: 'X4',
    serialNumber: MAC,
    softwareVersion: '2.10.2.6887',
    root: 'InternetGatewayDevice',
  };
}
