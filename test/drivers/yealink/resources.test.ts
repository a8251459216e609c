import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { parseCfg } from '../../../src/formats/cfg.ts';
import { decryptCfg, keyFromSecurityFile } from '../../../src/drivers/yealink/encryption.ts';
import { yealinkDriver } from '../../../src/drivers/yealink/index.ts';
import type { Contact } from '../../../src/model/contact.ts';
import type { Settings } from '../../../src/model/settings.ts';
import { requirePeer } from '../../support/peer.ts';
import { MAC, context, golden, recognised } from './helpers.ts';

const CONTACTS: Contact[] = [
  { name: 'Reception', office: '100' },
  { name: 'Doe, John', office: '101', mobile: '+491701234567', group: 'Sales' },
  { name: 'Müller & Söhne', other: 'sales@pbx.example.com' },
];
const FIRMWARE = {
  vendor: 'yealink',
  model: 'SIP-T46G',
  version: '28.83.0.50',
  fileName: 'T46G-28.83.0.50.rom',
  size: 1,
  sha256: '0'.repeat(64),
  url: 'http://10.20.0.92/prov/firmware/yealink/SIP-T46G/28.83.0.50/T46G-28.83.0.50.rom',
};
const KEY = 'Plugndial-Key-16';

function render(
  name: string,
  settings: Settings,
  extra: Record<string, unknown> = {},
  vendor = 'yealink',
): Buffer | undefined {
  return yealinkDriver.render(recognised(name), { ...context(settings, { vendor }), ...extra })
    ?.body;
}

function lines(body: Buffer | undefined): Record<string, string> {
  const parsed = parseCfg(body!.toString('utf8'));
  assert.ok(parsed.ok);
  return Object.fromEntries(parsed.value);
}

test('the catalogue target is the firmware URL of both dialects; an explicit firmware.url wins', () => {
  assert.equal(
    lines(render(`${MAC}.cfg`, {}, { firmware: FIRMWARE }))['static.firmware.url'],
    FIRMWARE.url,
  );
  assert.equal(
    lines(render(`${MAC}.cfg`, {}, { firmware: FIRMWARE }, 'flyingvoice'))['firmware.url'],
    FIRMWARE.url,
  );
  assert.equal(
    lines(
      render(`${MAC}.cfg`, { 'firmware.url': 'http://fw.example/x.rom' }, { firmware: FIRMWARE }),
    )['static.firmware.url'],
    'http://fw.example/x.rom',
  );
  assert.equal(
    lines(render(`${MAC}.cfg`, {}))['static.firmware.url'],
    undefined,
    'no target, no line',
  );
  const explanation = yealinkDriver.explain(recognised(`${MAC}.cfg`), {
    ...context({ 'firmware.version': '28.83.0.50' }, { vendor: 'yealink' }),
    firmware: FIRMWARE,
  });
  assert.deepEqual(
    explanation?.entries.find((e) => e.key === 'static.firmware.url')?.from,
    'firmware.version',
  );
  assert.deepEqual(explanation?.ignored, []);
});

test('golden: contacts become the remote phone book (Yealink) or the local contact file (Flyingvoice)', () => {
  const yealink = render(`${MAC}-contacts.xml`, {}, { contacts: CONTACTS });
  assert.equal(yealink?.toString('utf8'), golden('yealink-contacts.xml'));
  const flyingvoice = render(
    'y000000000000-contacts.xml',
    {},
    { contacts: CONTACTS },
    'flyingvoice',
  );
  assert.equal(flyingvoice?.toString('utf8'), golden('flyingvoice-contacts.xml'));
  assert.equal(render(`${MAC}-contacts.xml`, {}), undefined, 'no contacts, no phone book');
  // The cfg points at it, unless the operator gave a URL.
  assert.equal(
    lines(render(`${MAC}.cfg`, { 'phonebook.name': 'Office' }, { contacts: CONTACTS }))[
      'remote_phonebook.data.1.url'
    ],
    `http://10.20.0.92/prov/${MAC}-contacts.xml`,
  );
  assert.equal(
    lines(render('y000000000000.cfg', {}, { contacts: CONTACTS }, 'flyingvoice'))[
      'local_contact.data.url'
    ],
    'http://10.20.0.92/prov/y000000000000-contacts.xml',
  );
  assert.equal(
    lines(
      render(`${MAC}.cfg`, { 'phonebook.url': 'http://pb.example/x.xml' }, { contacts: CONTACTS }),
    )['remote_phonebook.data.1.url'],
    'http://pb.example/x.xml',
  );
});

test('stored certificate and background files become URLs under the door the phone used', () => {
  const cfg = lines(
    render(`${MAC}.cfg`, {
      'resources.certificate': 'certs/ca.pem',
      'resources.background': 'bg.png',
    }),
  );
  assert.equal(cfg['static.trusted_certificates.url'], 'http://10.20.0.92/prov/certs/ca.pem');
  assert.equal(cfg['wallpaper_upload.url'], 'http://10.20.0.92/prov/bg.png');
});

test('encrypted cfg files decrypt to the plain file; <name>_Security.enc carries the key', () => {
  const settings: Settings = {
    'accounts.1.user': '1001',
    'accounts.1.password': 's3cret-Pass',
    'time.timezone': 'Asia/Shanghai',
  };
  const secured = { ...settings, 'security.config_encryption': true, 'security.config_key': KEY };
  for (const name of [`${MAC}.cfg`, 'y000000000000.cfg', 'y000000000028.cfg']) {
    const plain = render(name, settings)!;
    const sealed = render(name, secured)!;
    assert.ok(!sealed.includes('s3cret'));
    assert.equal(sealed.length % 16, 0);
    assert.deepEqual(decryptCfg(sealed, Buffer.from(KEY)), plain, name);
    const keyFile = render(name.replace('.cfg', '_Security.enc'), secured)!;
    assert.equal(keyFile.length, 16);
    assert.deepEqual(keyFromSecurityFile(keyFile), Buffer.from(KEY));
  }
  // Boot files stay plain; without encryption there is no key file; a key that does not fit: no cfg.
  assert.match(render(`${MAC}.boot`, secured)!.toString(), /^#!version/);
  assert.equal(render(`${MAC}_Security.enc`, settings), undefined);
  const unusable = {
    ...settings,
    'security.config_encryption': true,
    'security.config_key': 'ab'.repeat(32),
  };
  assert.equal(render(`${MAC}.cfg`, unusable), undefined);
  assert.equal(render(`${MAC}_Security.enc`, unusable), undefined);
});

test('openssl reads the key file with the built-in key and the cfg with that key', (t) => {
  if (!requirePeer(t, 'openssl', 'openssl')) return;
  const dir = mkdtempSync(join(tmpdir(), 'pnd-yealink-enc-'));
  try {
    const settings: Settings = {
      'accounts.1.user': '1001',
      'security.config_encryption': true,
      'security.config_key': KEY,
    };
    const keyFile = join(dir, `${MAC}_Security.enc`);
    writeFileSync(keyFile, render(`${MAC}_Security.enc`, settings)!);
    const builtIn = Buffer.from('EKs35XacP6eybA25').toString('hex');
    const key = spawnSync('openssl', [
      'enc',
      '-d',
      '-aes-128-ecb',
      '-nopad',
      '-K',
      builtIn,
      '-in',
      keyFile,
    ]);
    assert.equal(key.status, 0, key.stderr.toString());
    assert.equal(key.stdout.toString('latin1'), KEY);

    const cfg = join(dir, `${MAC}.cfg`);
    writeFileSync(cfg, render(`${MAC}.cfg`, settings)!);
    const plain = spawnSync('openssl', [
      'enc',
      '-d',
      '-aes-128-ecb',
      '-nopad',
      '-K',
      key.stdout.toString('hex'),
      '-in',
      cfg,
    ]);
    assert.equal(plain.status, 0, plain.stderr.toString());
    const expected = render(`${MAC}.cfg`, { 'accounts.1.user': '1001' })!.toString('utf8');
    assert.equal(plain.stdout.toString('utf8').trimEnd(), expected.trimEnd());
    assert.match(plain.stdout.toString('utf8'), /^#!version:1\.0\.0\.1\n/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
