import { nativeKey, settingToText, type Settings } from '../../model/settings.ts';
import type { NativeEntry } from '../driver.ts';

/**
 * Canonical settings as flat-profile fields. Seed 000 shows `sip_server`, `sip_server_port`,
 * `local_rtp_port`, `local_sip_port` and `codec3`; the account fields below are not in the
 * seed and are plugndial's choice (documented as uncertain). Any field passes through as
 * `native.oem.<field>`, replacing a mapped one of the same name.
 */
const RULES: readonly { from: string; to: string; otherwise?: string }[] = [
  { from: 'accounts.1.registrar', to: 'sip_server' },
  { from: 'accounts.1.registrar_port', to: 'sip_server_port' },
  { from: 'accounts.1.outbound_proxy', to: 'outbound_proxy' },
  { from: 'accounts.1.user', to: 'user_id' },
  { from: 'accounts.1.auth_user', to: 'auth_id', otherwise: 'accounts.1.user' },
  { from: 'accounts.1.password', to: 'password' },
  { from: 'accounts.1.display_name', to: 'display_name' },
];

const FIELD = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** Keys the answer itself consumes: never reported as ignored. */
const CONSUMED = [
  'firmware.version',
  'provisioning.config_format',
  'security.config_encryption',
  'security.config_key',
  'security.config_cipher',
];

export function mapSettings(settings: Settings): { entries: NativeEntry[]; ignored: string[] } {
  const entries: NativeEntry[] = [];
  const used = new Set<string>(CONSUMED);
  for (const rule of RULES) {
    const from = settings[rule.from] !== undefined ? rule.from : rule.otherwise;
    const value = from === undefined ? undefined : settings[from];
    if (from === undefined || value === undefined) continue;
    entries.push({ key: rule.to, value: settingToText(value), from });
    used.add(from);
  }
  const natives = Object.keys(settings)
    .filter((key) => nativeKey(key)?.driver === 'oem')
    .sort();
  for (const key of natives) {
    const field = nativeKey(key)!.vendorKey;
    if (!FIELD.test(field)) continue;
    const entry = { key: field, value: settingToText(settings[key]!), from: key };
    const existing = entries.findIndex((e) => e.key === field);
    if (existing >= 0) entries[existing] = entry;
    else entries.push(entry);
    used.add(key);
  }
  return {
    entries,
    ignored: Object.keys(settings)
      .filter((key) => !used.has(key))
      .sort(),
  };
}
