import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  CIPHERS,
  cipherKey,
  decryptConfig,
  encryptConfig,
  unwrapKey,
  wrapKey,
} from '../../src/crypto/config-cipher.ts';
import { requirePeer } from '../support/peer.ts';

const PLAIN = Buffer.from(
  '#!version:1.0.0.1\naccount.1.password=s3cret-Pass\nlocal_time.time_zone=+8\n',
);
const KEY16 = '0123456789abcdef';
const KEY64 = 'a1'.repeat(32);

test('every cipher round-trips: decrypt(encrypt(plain)) is the plain file', () => {
  for (const cipher of CIPHERS) {
    const key = cipherKey(cipher, cipher === 'aes-128-ecb-space' ? KEY16 : KEY64);
    assert.ok(key, cipher);
    for (const plain of [PLAIN, Buffer.alloc(0), Buffer.from('x'.repeat(32) + '\n')]) {
      const sealed = encryptConfig(cipher, plain, key);
      assert.equal(sealed.length % 16, 0, cipher);
      if (plain.length > 0) assert.notDeepEqual(sealed.subarray(0, 16), plain.subarray(0, 16));
      assert.deepEqual(decryptConfig(cipher, sealed, key), plain, cipher);
    }
  }
});

test('encryption is deterministic, so versions and validators stay stable', () => {
  const key = cipherKey('aes-256-cbc', KEY64)!;
  const a = encryptConfig('aes-256-cbc', PLAIN, key);
  assert.deepEqual(encryptConfig('aes-256-cbc', PLAIN, key), a);
  const b = encryptConfig('aes-256-cbc', Buffer.concat([PLAIN, Buffer.from('x')]), key);
  assert.notDeepEqual(a.subarray(0, 16), b.subarray(0, 16), 'a different file gets a different IV');
});

test('keys that do not fit the scheme are refused; a wrong key does not decrypt', () => {
  assert.equal(cipherKey('aes-128-ecb-space', 'short'), undefined);
  assert.equal(cipherKey('aes-128-ecb-space', KEY64), undefined);
  assert.equal(cipherKey('aes-128-ecb-space', 'has a space 1234'), undefined);
  assert.equal(cipherKey('aes-256-cbc', KEY16), undefined);
  assert.equal(cipherKey('aes-256-ecb', 'zz'.repeat(32)), undefined);
  const key = cipherKey('aes-256-cbc', KEY64)!;
  const other = cipherKey('aes-256-cbc', 'b2'.repeat(32))!;
  const sealed = encryptConfig('aes-256-cbc', PLAIN, key);
  const wrong = decryptConfig('aes-256-cbc', sealed, other);
  assert.ok(wrong === undefined || !wrong.equals(PLAIN));
  assert.equal(decryptConfig('aes-256-cbc', sealed.subarray(0, 20), key), undefined);
});

test('space padding: the plain text is padded with 0x20 to whole blocks, no extra block', () => {
  const key = cipherKey('aes-128-ecb-space', KEY16)!;
  assert.equal(encryptConfig('aes-128-ecb-space', Buffer.alloc(16, 0x41), key).length, 16);
  assert.equal(encryptConfig('aes-128-ecb-space', Buffer.alloc(17, 0x41), key).length, 32);
});

test('a wrapped key unwraps to the key', () => {
  const wrapping = Buffer.from('WRAPPINGKEY12345');
  const wrapped = wrapKey(Buffer.from(KEY16), wrapping);
  assert.equal(wrapped.length, 16);
  assert.deepEqual(unwrapKey(wrapped, wrapping), Buffer.from(KEY16));
});

test('openssl decrypts our AES-128-ECB space-padded bytes to the plain file', (t) => {
  if (!requirePeer(t, 'openssl', 'openssl')) return;
  const dir = mkdtempSync(join(tmpdir(), 'pnd-crypto-'));
  try {
    const sealed = encryptConfig(
      'aes-128-ecb-space',
      PLAIN,
      cipherKey('aes-128-ecb-space', KEY16)!,
    );
    const file = join(dir, 'sealed.cfg');
    writeFileSync(file, sealed);
    const hexKey = Buffer.from(KEY16).toString('hex');
    const out = spawnSync('openssl', [
      'enc',
      '-d',
      '-aes-128-ecb',
      '-nopad',
      '-K',
      hexKey,
      '-in',
      file,
    ]);
    assert.equal(out.status, 0, out.stderr.toString());
    const padded = Buffer.concat([PLAIN, Buffer.alloc((16 - (PLAIN.length % 16)) % 16, 0x20)]);
    assert.deepEqual(out.stdout, padded);

    const cbc = encryptConfig('aes-256-cbc', PLAIN, cipherKey('aes-256-cbc', KEY64)!);
    writeFileSync(file, cbc.subarray(16));
    const iv = cbc.subarray(0, 16).toString('hex');
    const out2 = spawnSync('openssl', [
      'enc',
      '-d',
      '-aes-256-cbc',
      '-K',
      KEY64,
      '-iv',
      iv,
      '-in',
      file,
    ]);
    assert.equal(out2.status, 0, out2.stderr.toString());
    assert.deepEqual(out2.stdout, PLAIN);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
