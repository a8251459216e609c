import { cipherKey, type CipherName } from '../../crypto/config-cipher.ts';
import type { Settings } from '../../model/settings.ts';
import type { ConfigKeyForms } from '../driver.ts';

const DEFAULT_CIPHER: CipherName = 'aes-256-cbc';

/** AES-256 (security.config_cipher, CBC unless it says ECB); the scheme is not public. */
export function fanvilCipher(settings: Settings): CipherName {
  return (settings['security.config_cipher'] ?? DEFAULT_CIPHER) as CipherName;
}

/** Fanvil's configuration files are encrypted under 64 hex digits; phonebooks never. */
export const fanvilKeys: ConfigKeyForms = {
  describe: () => '64-hex-digit Fanvil key',
  fits: (_vendor, key, settings) => cipherKey(fanvilCipher(settings), key) !== undefined,
  encrypts: ({ file }) => file === 'general' || file === 'mac' || file === 'named',
};
