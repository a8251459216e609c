import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';

/**
 * Symmetric encryption of whole configuration files. Pure functions over bytes: the
 * drivers choose the scheme and the key, this module only knows the constructions.
 *
 * - `aes-128-ecb-space`: AES-128-ECB, the 16 key characters used as the key bytes, no IV,
 *   the plain text padded with spaces (0x20) to a multiple of 16 bytes (none when it is one).
 * - `aes-256-cbc`: AES-256-CBC, a 32-byte key written as 64 hex digits, PKCS#7 padding, the
 *   IV (16 bytes) written first. The IV is the first 16 bytes of HMAC-SHA256(key, plain text):
 *   the same file encrypts to the same bytes, so caches and validators stay stable, and two
 *   different files never share an IV.
 * - `aes-256-ecb`: AES-256-ECB, a 64-hex-digit key, PKCS#7 padding, no IV.
 *
 * And, apart from those (its key is a passphrase, not key bytes), the file format of
 * `openssl enc -aes-256-cbc -k <passphrase>` (sealPassphrase).
 */
export const CIPHERS = ['aes-128-ecb-space', 'aes-256-cbc', 'aes-256-ecb'] as const;
export type CipherName = (typeof CIPHERS)[number];

const BLOCK = 16;
const SPACE = 0x20;

/** The key bytes a scheme wants from the key as the operator wrote it; undefined when it does not fit. */
export function cipherKey(cipher: CipherName, text: string): Buffer | undefined {
  if (cipher === 'aes-128-ecb-space') {
    return /^[\x21-\x7e]{16}$/.test(text) ? Buffer.from(text, 'latin1') : undefined;
  }
  return /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : undefined;
}

export function encryptConfig(cipher: CipherName, plain: Buffer, key: Buffer): Buffer {
  switch (cipher) {
    case 'aes-128-ecb-space':
      return ecb('aes-128-ecb', key, spacePad(plain), true);
    case 'aes-256-ecb':
      return ecb('aes-256-ecb', key, plain, true, true);
    case 'aes-256-cbc': {
      const iv = createHmac('sha256', key).update(plain).digest().subarray(0, BLOCK);
      const encryptor = createCipheriv('aes-256-cbc', key, iv);
      return Buffer.concat([iv, encryptor.update(plain), encryptor.final()]);
    }
  }
}

/**
 * Reverses encryptConfig; undefined when the bytes are not a whole number of blocks or the
 * padding is wrong (wrong key). Space padding is removed by dropping trailing spaces, as a
 * phone's parser does: plain files that end in spaces lose them.
 */
export function decryptConfig(cipher: CipherName, data: Buffer, key: Buffer): Buffer | undefined {
  try {
    switch (cipher) {
      case 'aes-128-ecb-space': {
        if (data.length % BLOCK !== 0) return undefined;
        const plain = ecb('aes-128-ecb', key, data, false);
        let end = plain.length;
        while (end > 0 && plain[end - 1] === SPACE) end -= 1;
        return plain.subarray(0, end);
      }
      case 'aes-256-ecb':
        return ecb('aes-256-ecb', key, data, false, true);
      case 'aes-256-cbc': {
        if (data.length < 2 * BLOCK || data.length % BLOCK !== 0) return undefined;
        const decryptor = createDecipheriv('aes-256-cbc', key, data.subarray(0, BLOCK));
        return Buffer.concat([decryptor.update(data.subarray(BLOCK)), decryptor.final()]);
      }
    }
  } catch {
    return undefined;
  }
}

/** One key encrypted under another with AES-128-ECB and no padding (a "wrapped" key file). */
export function wrapKey(key: Buffer, wrappingKey: Buffer): Buffer {
  return ecb('aes-128-ecb', wrappingKey, key, true);
}

export function unwrapKey(wrapped: Buffer, wrappingKey: Buffer): Buffer | undefined {
  if (wrapped.length !== BLOCK) return undefined;
  return ecb('aes-128-ecb', wrappingKey, wrapped, false);
}

function spacePad(plain: Buffer): Buffer {
  const rest = plain.length % BLOCK;
  return rest === 0 ? plain : Buffer.concat([plain, Buffer.alloc(BLOCK - rest, SPACE)]);
}

function ecb(
  algorithm: 'aes-128-ecb' | 'aes-256-ecb',
  key: Buffer,
  data: Buffer,
  encrypt: boolean,
  pkcs7 = false,
): Buffer {
  const cipher = encrypt
    ? createCipheriv(algorithm, key, null)
    : createDecipheriv(algorithm, key, null);
  cipher.setAutoPadding(pkcs7);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

const SALTED = Buffer.from('Salted__', 'latin1');
const SALT = 8;

/**
 * `openssl enc -e -aes-256-cbc -k <passphrase>` as OpenSSL before 1.1.0 wrote it: `Salted__`,
 * 8 bytes of salt, then AES-256-CBC with PKCS#7 padding under the key and IV that
 * EVP_BytesToKey derives from passphrase and salt with MD5 and one round. The salt is the
 * first 8 bytes of HMAC-SHA256(passphrase, plain text) rather than random, so the same
 * file seals to the same bytes and versions, ETags and caches stay stable.
 */
export function sealPassphrase(plain: Buffer, passphrase: string): Buffer {
  const secret = Buffer.from(passphrase, 'utf8');
  const salt = createHmac('sha256', secret).update(plain).digest().subarray(0, SALT);
  const { key, iv } = bytesToKey(secret, salt);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([SALTED, salt, cipher.update(plain), cipher.final()]);
}

/** Reverses sealPassphrase (and opens any such file); undefined for another format or key. */
export function openPassphrase(sealed: Buffer, passphrase: string): Buffer | undefined {
  const head = SALTED.length + SALT;
  if (sealed.length < head + BLOCK || (sealed.length - head) % BLOCK !== 0) return undefined;
  if (!sealed.subarray(0, SALTED.length).equals(SALTED)) return undefined;
  const { key, iv } = bytesToKey(
    Buffer.from(passphrase, 'utf8'),
    sealed.subarray(SALTED.length, head),
  );
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, iv);
    return Buffer.concat([decipher.update(sealed.subarray(head)), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** EVP_BytesToKey(MD5, count 1): D_i = MD5(D_(i-1) ‖ passphrase ‖ salt) until 48 bytes. */
function bytesToKey(secret: Buffer, salt: Buffer): { key: Buffer; iv: Buffer } {
  const parts: Buffer[] = [];
  let previous = Buffer.alloc(0);
  while (parts.reduce((n, p) => n + p.length, 0) < 48) {
    previous = createHash('md5')
      .update(Buffer.concat([previous, secret, salt]))
      .digest();
    parts.push(previous);
  }
  const bytes = Buffer.concat(parts);
  return { key: bytes.subarray(0, 32), iv: bytes.subarray(32, 48) };
}
