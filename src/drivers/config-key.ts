import type { Settings } from '../model/settings.ts';
import type { ConfigKeyForms } from './driver.ts';

/** Why a vendor's encrypted files cannot be served under these settings, and what to do. */
export interface KeyProblem {
  /** Also the event's reason: names the setting and the form, never the key. */
  reason: string;
  fix: string;
}

/**
 * The problem with `security.config_key` for one vendor's phones, or undefined when the
 * settings ask for no encryption, the driver encrypts nothing, or the key fits.
 */
export function configKeyProblem(
  forms: ConfigKeyForms | undefined,
  vendor: string,
  settings: Settings,
): KeyProblem | undefined {
  if (!forms || settings['security.config_encryption'] !== true) return undefined;
  if (forms.none !== undefined)
    return {
      reason: `encrypted, but ${forms.none}`,
      fix: 'set security.config_encryption=false where these devices take it (on them, or a profile only they use) and serve them over HTTPS',
    };
  const key = settings['security.config_key'];
  const form = forms.describe(vendor, settings);
  const fix = `set security.config_key to a ${form} where these devices take it (on them, or a profile only they use), or security.config_encryption=false`;
  if (typeof key !== 'string' || key === '')
    return { reason: `encrypted, but security.config_key is not set (a ${form})`, fix };
  if (forms.fits(vendor, key, settings)) return undefined;
  return { reason: `encrypted, but security.config_key is not a ${form}`, fix };
}
