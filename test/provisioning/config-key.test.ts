import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { configKeyProblem } from '../../src/drivers/config-key.ts';
import { driverForVendor } from '../../src/drivers/registry.ts';
import { FANVIL_MAC, fanvilPhone, harnessWith, type Catalogue } from '../api/support.ts';

const FANVIL_KEY = 'c7fc19404e0b0bcc8885d31f2d8ff7e8e09f0e28c7fc19404e0b0bcc8885d31f';
const YEALINK_KEY = 'Ab3dEf6hIj9lMn2p';
const YEALINK = '001565aabbcc';
const FLYINGVOICE = '0021f2000001';
const account = { 'accounts.1.user': '2001', 'accounts.1.registrar': 'pbx.example.com' };

let h: Catalogue;
before(async () => {
  h = await harnessWith([
    fanvilPhone(),
    { mac: YEALINK, vendor: 'yealink', settings: account },
    { mac: FLYINGVOICE, vendor: 'flyingvoice', settings: account },
  ]);
});
after(async () => h?.close());

interface Warning {
  kind: string;
  problem: string;
  fix: string;
  count: number;
  devices: string[];
}

async function reasonOf(file: string): Promise<string | undefined> {
  await h.runtime.recorder.flush();
  return (await h.runtime.store.queryEvents({ limit: 100 })).find((e) => e.file === file)?.reason;
}

test('each driver says which key its phones take', () => {
  const on = { 'security.config_encryption': true };
  const forms = (vendor: string): ReturnType<typeof configKeyProblem> =>
    configKeyProblem(driverForVendor(vendor)!.configKeys, vendor, {
      ...on,
      'security.config_key': FANVIL_KEY,
    });
  assert.equal(
    forms('yealink')?.reason,
    'encrypted, but security.config_key is not a 16-character Yealink key',
  );
  assert.equal(
    forms('flyingvoice')?.reason,
    'encrypted, but security.config_key is not a 16-character Flyingvoice key',
  );
  assert.equal(forms('fanvil'), undefined);
  assert.equal(forms('oem'), undefined);
  // Families whose files are never encrypted have no key to get wrong.
  assert.equal(forms('gigaset'), undefined);
  // Grandstream and Cisco take the key as a passphrase: either form will do, none is none.
  assert.equal(forms('grandstream'), undefined);
  assert.equal(forms('cisco-spa'), undefined);
  assert.match(
    configKeyProblem(driverForVendor('grandstream')!.configKeys, 'grandstream', on)!.reason,
    /not set \(a passphrase the phones hold as their XML Config File Password \(P1359\)\)/,
  );
  assert.match(
    configKeyProblem(driverForVendor('cisco')!.configKeys, 'cisco', on)!.reason,
    /not set \(a passphrase the phones hold as GPP_SA/,
  );
  // Families that decrypt nothing plugndial can write: no key fits, and the fix says so.
  assert.equal(forms('snom')?.reason, 'encrypted, but Snom documents no encrypted setting file');
  assert.match(forms('poly')?.reason ?? '', /envelope of encrypted UC Software files/);
  assert.match(forms('poly')?.fix ?? '', /security\.config_encryption=false .*HTTPS/);
  assert.equal(configKeyProblem(driverForVendor('snom')!.configKeys, 'snom', {}), undefined);
  const short = configKeyProblem(driverForVendor('fanvil')!.configKeys, 'fanvil', {
    ...on,
    'security.config_key': YEALINK_KEY,
  });
  assert.equal(
    short?.reason,
    'encrypted, but security.config_key is not a 64-hex-digit Fanvil key',
  );
  const none = configKeyProblem(driverForVendor('oem')!.configKeys, 'oem', on);
  assert.match(none!.reason, /not set \(a 64-hex-digit Plug-n-Dial key\)/);
  assert.equal(configKeyProblem(driverForVendor('yealink')!.configKeys, 'yealink', {}), undefined);
});

test('a Fanvil key on the default profile: the change is stored with warnings for the phones it cannot serve', async () => {
  const changed = await h.api('PATCH', '/profiles/default', {
    settings: { 'security.config_encryption': true, 'security.config_key': FANVIL_KEY },
  });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  const warnings = (changed.body as { warnings: Warning[] }).warnings;
  const keys = warnings.filter((w) => w.kind === 'config-key');
  assert.deepEqual(
    keys.map((w) => [w.problem, w.devices]),
    [
      ['encrypted, but security.config_key is not a 16-character Flyingvoice key', [FLYINGVOICE]],
      ['encrypted, but security.config_key is not a 16-character Yealink key', [YEALINK]],
    ],
  );
  assert.match(keys[0]!.fix, /16-character Flyingvoice key/);
  assert.doesNotMatch(JSON.stringify(changed.body), new RegExp(FANVIL_KEY));

  const fanvil = await h.phone(`/${FANVIL_MAC}.cfg`);
  assert.equal(fanvil.status, 200);
  assert.equal(fanvil.type, 'application/octet-stream');
});

test('the phone gets the same 404, the event says why, render refuses with the reason', async () => {
  assert.equal((await h.phone(`/${YEALINK}.cfg`)).status, 404);
  assert.equal(
    await reasonOf(`${YEALINK}.cfg`),
    'encrypted, but security.config_key is not a 16-character Yealink key',
  );
  assert.equal((await h.phone('/y000000000000.cfg')).status, 404);
  assert.match((await reasonOf('y000000000000.cfg')) ?? '', /16-character Flyingvoice key/);
  // The boot file is never encrypted: it is served and names the withheld files.
  assert.equal((await h.phone(`/${YEALINK}.boot`)).status, 200);

  const files = (await h.api('GET', `/devices/${YEALINK}/files`)).body as string[];
  assert.ok(files.includes(`${YEALINK}.cfg`), files.join(' '));
  const render = await h.api('GET', `/devices/${YEALINK}/files/${YEALINK}.cfg`);
  assert.equal(render.status, 409);
  const error = render.body as { code: string; message: string };
  assert.equal(error.code, 'PND_FILE_WITHHELD');
  assert.match(
    error.message,
    /is not served: encrypted, but security\.config_key is not a 16-character Yealink key; set security\.config_key to a 16-character Yealink key/,
  );
});

test("a key on a device itself must fit that device's vendor: refused, nothing stored", async () => {
  const added = await h.api('POST', '/devices', {
    mac: '001565aabbce',
    vendor: 'yealink',
    settings: { ...account, 'security.config_key': FANVIL_KEY },
  });
  assert.equal(added.status, 400);
  const error = added.body as { code: string; message: string };
  assert.equal(error.code, 'PND_INVALID_SETTING');
  assert.match(
    error.message,
    /^security\.config_key: a yealink device takes a 16-character Yealink key/,
  );
  assert.doesNotMatch(error.message, new RegExp(FANVIL_KEY));
  assert.equal((await h.api('GET', '/devices/001565aabbce')).status, 404);
  const patched = await h.api('PATCH', `/devices/${FANVIL_MAC}`, {
    settings: { 'security.config_key': 'Ab3dEf6hIj9lMn2p' },
  });
  assert.match((patched.body as { message: string }).message, /64-hex-digit Fanvil key/);
  const fanvil = (await h.api('GET', `/devices/${FANVIL_MAC}?secrets=true`)).body as {
    settings: Record<string, unknown>;
  };
  assert.equal(fanvil.settings['security.config_key'], undefined);
});

test('a Yealink key on the Yealink device itself: served, and no warning for it', async () => {
  const changed = await h.api('PATCH', `/devices/${YEALINK}`, {
    settings: { 'security.config_key': YEALINK_KEY },
  });
  assert.equal(changed.status, 200);
  assert.deepEqual((changed.body as { warnings: Warning[] }).warnings, []);
  const served = await h.phone(`/${YEALINK}.cfg`);
  assert.equal(served.status, 200);
  assert.equal(served.type, 'application/octet-stream');

  // A later change to the default profile sees the device as it is now, and devices added since.
  await h.api('POST', '/devices', { mac: '001565aabbcd', vendor: 'yealink', settings: account });
  const again = await h.api('PATCH', '/profiles/default', { settings: { 'time.timezone': 'UTC' } });
  const keys = (again.body as { warnings: Warning[] }).warnings.filter(
    (w) => w.kind === 'config-key',
  );
  assert.deepEqual(
    keys.map((w) => w.devices),
    [[FLYINGVOICE], ['001565aabbcd']],
  );
});

test('a Snom phone under encryption: its settings are withheld with the reason, its list is not, and a key on it is no error', async () => {
  const mac = '000413a11fa7';
  const added = await h.api('POST', '/devices', {
    mac,
    vendor: 'snom',
    model: 'D345',
    settings: { ...account, 'security.config_encryption': true, 'security.config_key': FANVIL_KEY },
  });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  const warnings = (added.body as { warnings: Warning[] }).warnings;
  assert.deepEqual(
    warnings.filter((w) => w.kind === 'config-key').map((w) => [w.problem, w.devices]),
    [['encrypted, but Snom documents no encrypted setting file', [mac]]],
  );
  assert.equal((await h.phone(`/snomD345-000413A11FA7.htm`)).status, 200);
  assert.equal((await h.phone(`/000413A11FA7.xml`)).status, 404);
  assert.equal(
    await reasonOf('000413A11FA7.xml'),
    'encrypted, but Snom documents no encrypted setting file',
  );
  await h.api('DELETE', `/devices/${mac}`);
});
