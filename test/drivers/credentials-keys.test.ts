import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { RenderContext } from '../../src/drivers/driver.ts';
import { driverForVendor } from '../../src/drivers/registry.ts';
import type { Device } from '../../src/model/device.ts';
import type { Mac } from '../../src/model/mac.ts';

// Each driver writes the provisioning credentials the access policy gives it into its own
// keys, in the device's own configuration only, and says so on the artifact.

const credentials = { username: '0021f2000001', password: 'Gen3ratedPassw0rdXYZabcd' };

function device(mac: string, vendor: string): Device {
  return {
    mac: mac as Mac,
    vendor,
    profiles: [],
    settings: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

function render(vendor: string, file: string, mac: string, withDevice: boolean) {
  const driver = driverForVendor(vendor)!;
  const recognition = driver.recognise({ segments: [file], query: '', transport: 'https' });
  assert.ok(recognition, `${vendor} recognises ${file}`);
  const context: RenderContext = {
    vendor,
    settings: { 'accounts.1.user': '1001' },
    baseUrl: 'https://prov.example.com/',
    now: new Date('2026-03-01T00:00:00Z'),
    credentials,
    ...(withDevice ? { device: device(mac, vendor) } : {}),
  };
  return driver.render(recognition, context);
}

test('Flyingvoice and Yealink: auto_provision.server.username/password in the MAC cfg', () => {
  const fv = render('flyingvoice', '0021f2000001.cfg', '0021f2000001', true)!;
  assert.equal(fv.installsCredentials, true);
  const text = fv.body.toString();
  assert.match(text, /^auto_provision\.server\.username=0021f2000001$/m);
  assert.match(text, /^auto_provision\.server\.password=Gen3ratedPassw0rdXYZabcd$/m);
  const yl = render('yealink', '001565000001.cfg', '001565000001', true)!;
  assert.match(yl.body.toString(), /^static\.auto_provision\.server\.password=Gen3rated/m);
  // The boot file and the common cfg carry none of it.
  const boot = render('flyingvoice', '0021f2000001.boot', '0021f2000001', true)!;
  assert.equal(boot.installsCredentials, undefined);
  assert.doesNotMatch(boot.body.toString(), /Gen3rated/);
  const common = render('flyingvoice', 'y000000000000.cfg', '0021f2000001', false)!;
  assert.doesNotMatch(common.body.toString(), /Gen3rated/);
});

test("Fanvil: the AUTOUPDATE module's download user and password in the MAC file", () => {
  const file = render('fanvil', '0c383e07e16c.cfg', '0c383e07e16c', true)!;
  assert.equal(file.installsCredentials, true);
  const text = file.body.toString();
  assert.match(text, /<AUTOUPDATE CONFIG MODULE>/);
  assert.match(text, /^Download Username\s*:0021f2000001\r$/m);
  assert.match(text, /^Download password\s*:Gen3ratedPassw0rdXYZabcd\r$/m);
});
