import { cipherKey, type CipherName } from '../../crypto/config-cipher.ts';
import type { Settings } from '../../model/settings.ts';
import type { ConfigKeyForms } from '../driver.ts';

const DEFAULT_CIPHER: CipherName = 'aes-256-cbc';

/** AES-256 for the `<ENC>` answer (security.config_cipher, CBC unless it says ECB). */
export function oemCipher(settings: Settings): CipherName {
  return (settings['security.config_cipher'] ?? DEFAULT_CIPHER) as CipherName;
}

/** The app answer is encrypted under 64 hex digits; currentversion.txt never is. */
export const oemKeys: ConfigKeyForms = {
  describe: () => '64-hex-digit Plug-n-Dial key',
  fits: (_vendor, key, settings) => cipherKey(oemCipher(settings), key) !== undefined,
  encrypts: ({ file }) => file === 'app',
};
