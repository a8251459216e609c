import type { Device, Profile } from './device.ts';
import { DEFAULT_PROFILE } from './device.ts';
import { schemaDefaults, type Settings } from './settings.ts';

export interface EffectiveSettings {
  settings: Settings;
  /** Where each key's value came from: `schema`, `profile:<name>` or `device`. */
  origin: Record<string, string>;
}

/** The schema's defaults, made once: they are the first layer of every merge. */
let defaults: Settings | undefined;

/**
 * Schema defaults ◀ the `default` profile ◀ these profiles in order: what every device with
 * this chain shares. With `withOwnSettings` it is effectiveSettings' `settings`, for callers
 * that keep a chain's merge for many devices.
 */
export function chainSettings(
  names: readonly string[],
  profiles: ReadonlyMap<string, Profile>,
): Settings {
  defaults ??= schemaDefaults();
  const settings: Settings = { ...defaults };
  const profile = profiles.get(DEFAULT_PROFILE);
  if (profile) Object.assign(settings, profile.settings);
  for (const name of names) {
    if (name === DEFAULT_PROFILE) continue;
    const next = profiles.get(name);
    if (next) Object.assign(settings, next.settings);
  }
  return settings;
}

/** A chain's settings with a device's own over them, the chain left as it was. */
export function withOwnSettings(chain: Settings, own: Settings): Settings {
  return Object.assign({ ...chain }, own);
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
