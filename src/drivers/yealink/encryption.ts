import {
  cipherKey,
  decryptConfig,
  encryptConfig,
  unwrapKey,
  wrapKey,
} from '../../crypto/config-cipher.ts';
import type { Settings } from '../../model/settings.ts';
import type { ConfigKeyForms } from '../driver.ts';
import { isCfgFile, isSecurityFile, isYealinkFile } from './files.ts';

/**
 * Yealink's configuration file encryption, as public reverse engineering describes it
 * (VENDORS.md): a cfg is AES-128-ECB under 16 key characters, space padded; its key file
 * `<name>_Security.enc` is that key AES-128-ECB-encrypted under a key built into the phones.
 * 32-character (AES-256) keys are not publicly described and are not written.
 */
const BUILT_IN_KEY = Buffer.from('EKs35XacP6eybA25', 'latin1');

/** The cfg key when the settings ask for encryption; null when they ask without a usable key. */
export function configKey(settings: Settings): Buffer | null | undefined {
  if (settings['security.config_encryption'] !== true) return undefined;
  const text = settings['security.config_key'];
  return (typeof text === 'string' && cfgKeyOf(text)) || null;
}

/** The key bytes of 16 key characters as a phone holds them; undefined for another form. */
export function cfgKeyOf(text: string): Buffer | undefined {
  return cipherKey('aes-128-ecb-space', text);
}

export function encryptCfg(plain: Buffer, key: Buffer): Buffer {
  return encryptConfig('aes-128-ecb-space', plain, key);
}

export function decryptCfg(sealed: Buffer, key: Buffer): Buffer | undefined {
  return decryptConfig('aes-128-ecb-space', sealed, key);
}

/** The 16 bytes of `<name>_Security.enc`. */
export function securityFile(key: Buffer): Buffer {
  return wrapKey(key, BUILT_IN_KEY);
}

/** What a phone reads from `<name>_Security.enc`: the cfg key. */
export function keyFromSecurityFile(file: Buffer): Buffer | undefined {
  return unwrapKey(file, BUILT_IN_KEY);
}

/** The keys Yealink and Flyingvoice phones take: the cfg files and key files depend on one. */
export const yealinkKeys: ConfigKeyForms = {
  describe: (vendor) => `16-character ${vendor === 'yealink' ? 'Yealink' : 'Flyingvoice'} key`,
  fits: (_vendor, key) => cfgKeyOf(key) !== undefined,
  encrypts: ({ file }) => isYealinkFile(file) && (isCfgFile(file) || isSecurityFile(file)),
};
