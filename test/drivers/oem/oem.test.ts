import assert from 'node:assert/strict';
import { test } from 'node:test';

import { cipherKey, decryptConfig } from '../../../src/crypto/config-cipher.ts';
import type { PhoneFetch } from '../../../src/drivers/driver.ts';
import { oemDriver } from '../../../src/drivers/oem/index.ts';
import { parseAnswer, parsePlain, renderManifest } from '../../../src/drivers/oem/format.ts';
import type { Settings } from '../../../src/model/settings.ts';
import { CLASS, MAC, SEED_SETTINGS, appRequest, context, device, golden } from './helpers.ts';

const KEY = 'c7fc19404e0b0bcc8885d31f2d8ff7e8e09f0e28c7fc19404e0b0bcc8885d31f';
const TARGET = {
  vendor: 'oem',
  model: CLASS,
  version: 'AR15',
  fileName: 'SIP_1.0_US_LDTK_AR15.rom',
  size: 4,
  sha256: '0'.repeat(64),
  url: 'unused',
};

function render(settings: Settings, deviceClass = CLASS): string | undefined {
  const recognition = appRequest(deviceClass);
  assert.ok(recognition);
  return oemDriver
    .render(recognition, context(settings, { device: device(settings, deviceClass) }))
    ?.body.toString('utf8');
}

function values(text: string): Record<string, string> {
  const parsed = parseAnswer(text);
  if (!parsed.ok || parsed.value.form === 'encrypted') return assert.fail('not a plain answer');
  return Object.fromEntries(parsed.value.values);
}

test('golden: seed 000 plaintext answer (key="value" lines)', () => {
  const text = render(SEED_SETTINGS);
  assert.equal(text, golden('plaintext.txt'));
  assert.deepEqual(values(text!), values(golden('seed-plaintext.txt')));
});

test('golden: seed 000 XML answer, laid out as the seed shows it', () => {
  const text = render({ ...SEED_SETTINGS, 'provisioning.config_format': 'xml' });
  assert.equal(text, golden('answer.xml'));
  // The seed's two elements are the first two, byte for byte.
  assert.ok(text!.startsWith(golden('seed-answer.xml')));
  assert.deepEqual(values(text!), values(golden('plaintext.txt')));
});

test('golden: seed 000 encrypted answer; <ENC> decrypts back to the plaintext answer', () => {
  const settings = {
    ...SEED_SETTINGS,
    'security.config_encryption': true,
    'security.config_key': KEY,
  };
  const text = render(settings, 'OEM/LR8051S');
  assert.equal(text, golden('encrypted.xml'));
  const hex = /<ENC>\s*([0-9a-f]+)\s*<\/ENC>/.exec(text!)![1]!;
  assert.equal(
    text!.replace(hex, 'c7fc19404e0b0bcc8885d31f2d8ff7e8e09f0e28......'),
    golden('seed-encrypted.xml'),
  );
  const plain = decryptConfig(
    'aes-256-cbc',
    Buffer.from(hex, 'hex'),
    cipherKey('aes-256-cbc', KEY)!,
  );
  assert.equal(plain?.toString('utf8'), render(SEED_SETTINGS, 'OEM/LR8051S'));
  const ecb = render({ ...settings, 'security.config_cipher': 'aes-256-ecb' }, 'OEM/LR8051S')!;
  const ecbHex = /<ENC>\s*([0-9a-f]+)\s*<\/ENC>/.exec(ecb)![1]!;
  assert.equal(
    decryptConfig(
      'aes-256-ecb',
      Buffer.from(ecbHex, 'hex'),
      cipherKey('aes-256-ecb', KEY)!,
    )?.toString('utf8'),
    render(SEED_SETTINGS, 'OEM/LR8051S'),
  );
  assert.equal(
    render({ ...SEED_SETTINGS, 'security.config_encryption': true }),
    undefined,
    'no key, no answer',
  );
});

test('golden: currentversion.txt names the target image; none without a target', () => {
  const manifest = oemDriver.recognise({
    segments: ['firmware', 'leadtek', 'LR8051S', 'currentversion.txt'],
    query: '',
    transport: 'https',
  });
  assert.ok(manifest);
  const ctx = context({}, { firmware: TARGET });
  delete ctx.device;
  assert.equal(oemDriver.render(manifest, ctx)?.body.toString(), golden('currentversion.txt'));
  delete ctx.firmware;
  assert.equal(oemDriver.render(manifest, ctx), undefined);
  // The seed's two-line form reads the same way.
  const seed = parsePlain(golden('seed-currentversion.txt'));
  assert.ok(seed.ok);
  assert.equal(
    renderManifest(seed.value.get('Image_file')!, seed.value.get('Prom_file')),
    golden('seed-currentversion.txt'),
  );
});

test('the app request: ; or & separators, MAC forms, the class the path names', () => {
  assert.deepEqual(appRequest(), {
    file: 'app',
    kind: 'config',
    score: 100,
    prefix: ['prov'],
    needsDevice: true,
    mac: MAC,
    reported: { model: CLASS },
    params: { class: CLASS },
  });
  assert.equal(appRequest(CLASS, `class=${CLASS}&mac_address=00:90:8F:0A:1B:2C`)?.mac, MAC);
  assert.equal(appRequest(CLASS, `mac_address=${MAC};class=leadtek%2FLR8051S`)?.mac, MAC);
  for (const bad of [
    '',
    `class=${CLASS}`,
    `mac_address=${MAC}`,
    `class=${CLASS};mac_address=00908f0a1b2g`,
    `class=${CLASS};mac_address=00908f0a1b`,
    `class=other/Model;mac_address=${MAC}`,
    `class=${CLASS};mac_address=${MAC};mac_address=${MAC}`,
    `class=../x;mac_address=${MAC}`,
    `class=%E0%A4%A;mac_address=${MAC}`,
    'garbage',
  ]) {
    assert.equal(appRequest(CLASS, bad), undefined, bad);
  }
});

test('an unknown class or model, or another vendor, gets no answer', () => {
  const recognition = appRequest()!;
  const other = device(SEED_SETTINGS, 'leadtek/OTHER');
  assert.equal(oemDriver.render(recognition, context(SEED_SETTINGS, { device: other })), undefined);
  const yealink = { ...device(SEED_SETTINGS), vendor: 'yealink' };
  assert.equal(
    oemDriver.render(recognition, context(SEED_SETTINGS, { device: yealink })),
    undefined,
  );
  // A device without a model takes the class the phone gives.
  assert.ok(
    oemDriver.render(
      recognition,
      context(SEED_SETTINGS, { device: device(SEED_SETTINGS, undefined) }),
    ),
  );
});

test('firmware images: only the one the manifest names, only when there is a target', () => {
  const image = (file: string) =>
    oemDriver.recognise({
      segments: ['firmware', 'leadtek', 'LR8051S', file],
      query: '',
      transport: 'http',
    })!;
  assert.equal(image(TARGET.fileName).kind, 'firmware');
  assert.deepEqual(
    oemDriver.firmwareImage!(image(TARGET.fileName), context({}, { firmware: TARGET })),
    {
      vendor: 'oem',
      model: CLASS,
      version: 'AR15',
    },
  );
  assert.equal(
    oemDriver.firmwareImage!(image('other.rom'), context({}, { firmware: TARGET })),
    undefined,
  );
  assert.equal(oemDriver.firmwareImage!(image(TARGET.fileName), context({})), undefined);
});

test('phone: app request, currentversion.txt, image once; no manifest is no update', async () => {
  const base = 'https://aps.example/';
  const asked: string[] = [];
  const files: Record<string, Buffer> = {
    [`${base}${CLASS}/app?class=${CLASS};mac_address=${MAC}`]: Buffer.from(
      golden('encrypted.xml').replace('OEM', 'leadtek'),
    ),
    [`${base}firmware/${CLASS}/currentversion.txt`]: Buffer.from(golden('currentversion.txt')),
    [`${base}firmware/${CLASS}/${TARGET.fileName}`]: Buffer.from('ROM!'),
  };
  const fetch: PhoneFetch = async (url) => {
    asked.push(url);
    return files[url] ? { status: 200, body: files[url]! } : { status: 404, body: Buffer.alloc(0) };
  };
  const identity = { mac: MAC, vendor: 'oem', model: CLASS, configKey: KEY };
  const run = await oemDriver.phone.run(identity, base, fetch);
  assert.equal(run.ok, true, JSON.stringify(run.steps));
  assert.equal(run.settings['sip_server'], 'proxy01.sipphone.com');
  assert.deepEqual(asked, Object.keys(files));
  const again = await oemDriver.phone.run(identity, base, fetch, run.memory);
  assert.equal(again.ok, true);
  assert.equal(asked.length, 5, 'the image is not fetched twice');
  delete files[`${base}firmware/${CLASS}/currentversion.txt`];
  assert.equal((await oemDriver.phone.run(identity, base, fetch)).ok, true);
  const noKey = await oemDriver.phone.run({ ...identity, configKey: undefined }, base, fetch);
  assert.equal(noKey.ok, false);
});

test('the User-Agent the emulation sends is read back', () => {
  const identity = { mac: MAC, vendor: 'oem', model: CLASS, firmware: 'AR14' };
  assert.deepEqual(oemDriver.parseUserAgent(oemDriver.phone.userAgent(identity)), {
    vendor: 'oem',
    model: CLASS,
    firmware: 'AR14',
    mac: MAC,
  });
  assert.equal(oemDriver.parseUserAgent('Fanvil X4 2.10.2.6887 0c383e07e16c'), undefined);
});
