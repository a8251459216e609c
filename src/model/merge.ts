import type { Device, Profile } from './device.ts';
import { DEFAULT_PROFILE } from './device.ts';
import { schemaDefaults, type Settings } from './settings.ts';

export interface EffectiveSettings {
  settings: Settings;
  /** Where each key's value came from: `schema`, `profile:<name>` or `device`. */
  origin: Record<string, string>;
}

/**
 * Effective settings = schema defaults ◀ the `default` profile ◀ the device's profiles in
 * order ◀ the device's own settings. Missing profiles are skipped (the store refuses to
 * delete a profile in use, so this only happens for a racing delete).
 */
export function effectiveSettings(
  device: Pick<Device, 'profiles' | 'settings'> | undefined,
  profiles: ReadonlyMap<string, Profile>,
): EffectiveSettings {
  const settings: Settings = {};
  const origin: Record<string, string> = {};
  const apply = (layer: Settings, from: string): void => {
    for (const [key, value] of Object.entries(layer)) {
      settings[key] = value;
      origin[key] = from;
    }
  };
  apply(schemaDefaults(), 'schema');
  const order = [DEFAULT_PROFILE, ...(device?.profiles ?? []).filter((p) => p !== DEFAULT_PROFILE)];
  for (const name of order) {
    const profile = profiles.get(name);
    if (profile) apply(profile.settings, `profile:${name}`);
  }
  if (device) apply(device.settings, 'device');
  return { settings, origin };
}
