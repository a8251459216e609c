// The resolve stage: effective settings = defaults ◀ profiles (in order) ◀ device, and the
// access policy read from them. Both are cached for the configuration the view holds.

import type { Device, Profile } from '../model/device.ts';
import { chainSettings, withOwnSettings } from '../model/merge.ts';
import type { Settings } from '../model/settings.ts';
import { policySettings, type PolicySettings } from './access-policy.ts';
import type { ConfigurationView } from './configuration-view.ts';
import { GenerationCache, HOT_ENTRIES, setBounded } from './generation-cache.ts';

/** Profile chains kept merged: sites have a few dozen. */
const CHAINS = 1000;

/** Whose settings a file carries: a device, a profile's user-named file, or the defaults. */
export type SettingsOwner = Pick<Device, 'profiles' | 'settings'>;

export class EffectiveSettings {
  readonly #view: ConfigurationView;
  /** Access settings by device (`''` for requests that name none). */
  readonly #policies = new GenerationCache<PolicySettings>(HOT_ENTRIES);
  /** Access settings by profile chain and a device's own access settings (policyShape). */
  readonly #chainPolicies = new GenerationCache<PolicySettings>(CHAINS);
  /** Profile chains' merged settings, for the profiles the view holds now. */
  #chains: { profiles: ReadonlyMap<string, Profile> | undefined; merged: Map<string, Settings> } = {
    profiles: undefined,
    merged: new Map(),
  };

  constructor(view: ConfigurationView) {
    this.#view = view;
  }

  /**
   * A device's (or with none, the defaults' and `default` profile's) effective settings: the
   * profile chain's merge is made once for the profiles the view holds, the device's own
   * settings laid over a copy.
   */
  of(owner: SettingsOwner | undefined, profiles: ReadonlyMap<string, Profile>): Settings {
    if (this.#chains.profiles !== profiles) this.#chains = { profiles, merged: new Map() };
    const names = owner?.profiles ?? [];
    const key = names.join('\0');
    let chain = this.#chains.merged.get(key);
    if (!chain) {
      chain = chainSettings(names, profiles);
      setBounded(this.#chains.merged, key, chain, CHAINS);
    }
    return owner ? withOwnSettings(chain, owner.settings) : { ...chain };
  }

  /** The access settings of a device's effective settings, or the server's for no device. */
  async policyFor(device: Device | undefined): Promise<PolicySettings> {
    const generation = this.#view.generation;
    const key = device?.mac ?? '';
    const cached = this.#policies.get(generation, key);
    if (cached) return cached;
    const profiles = await this.#view.profiles();
    // Devices of one chain with no access settings of their own share one policy (and its
    // network set) rather than each making its own.
    const shape = device ? policyShape(device) : '';
    let policy = this.#chainPolicies.get(generation, shape);
    if (!policy) {
      policy = policySettings(this.of(device, profiles));
      this.#chainPolicies.set(generation, shape, policy);
    }
    return this.#policies.set(generation, key, policy);
  }

  /** The policy `policyFor` has cached for this generation, without awaiting anything. */
  cachedPolicy(generation: number, device: Device | undefined): PolicySettings | undefined {
    return this.#policies.get(generation, device?.mac ?? '');
  }
}

/**
 * Whose settings a file carries: the device's; for a user-named file of a profile, that
 * profile's; for a common file the defaults only, never one device's values.
 */
export function settingsOwner(
  device: Device | undefined,
  profile: string | undefined,
): SettingsOwner | undefined {
  return device ?? (profile !== undefined ? { profiles: [profile], settings: {} } : undefined);
}

/** What decides a device's access settings: its profile chain and its own provisioning.* keys. */
function policyShape(device: Device): string {
  let own = '';
  for (const key in device.settings) {
    if (key.startsWith('provisioning.')) own += `\0${key}=${JSON.stringify(device.settings[key])}`;
  }
  return `${device.profiles.join('\0')}\u0001${own}`;
}
