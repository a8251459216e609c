import { pndError } from '../errors.ts';
import { DEFAULT_PROFILE, PROFILE_NAME, type Profile } from '../model/device.ts';
import { nativeKey, specFor } from '../model/settings.ts';
import type { Store } from '../store/store.ts';
import { checkSettings } from './devices.ts';

export interface ProfileInput {
  name: string;
  description?: string;
  settings?: Record<string, unknown>;
}

export interface ProfilePatch {
  description?: string;
  /** Merged into the stored settings: the same name as when adding. */
  settings?: Record<string, unknown>;
  unset?: string[];
}

function checkName(name: string): void {
  if (!PROFILE_NAME.test(name)) {
    throw pndError(
      'PND_INVALID_ARGUMENT',
      `"${name.slice(0, 64)}" is not a profile name; use letters, digits, ".", "_" and "-" (up to 64)`,
    );
  }
}

export async function addProfile(store: Store, input: ProfileInput, now: Date): Promise<Profile> {
  checkName(String(input.name ?? ''));
  const settings = checkSettings(input.settings ?? {});
  if (!settings.ok) throw settings.error;
  const stamp = now.toISOString();
  const profile: Profile = {
    name: input.name,
    settings: settings.value,
    createdAt: stamp,
    updatedAt: stamp,
    ...(input.description ? { description: input.description } : {}),
  };
  await store.insertProfile(profile);
  return profile;
}

export async function patchProfile(
  store: Store,
  name: string,
  patch: ProfilePatch,
  now: Date,
): Promise<Profile> {
  const set = checkSettings(patch.settings ?? {});
  if (!set.ok) throw set.error;
  for (const key of patch.unset ?? []) {
    if (!specFor(key) && !nativeKey(key))
      throw pndError('PND_UNKNOWN_SETTING', `unknown setting "${key.slice(0, 100)}"`, { key });
    if (Object.hasOwn(set.value, key))
      throw pndError(
        'PND_INVALID_ARGUMENT',
        `"${key.slice(0, 100)}" is both set and unset; give it in one of them`,
        { key },
      );
  }
  if (name === DEFAULT_PROFILE) await ensureDefaultProfile(store, now);
  return store.updateProfile(name, (profile) => {
    const settings = { ...profile.settings, ...set.value };
    for (const key of patch.unset ?? []) delete settings[key];
    return {
      ...profile,
      settings,
      updatedAt: now.toISOString(),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
    };
  });
}

/**
 * The default profile exists as soon as it is edited (`profile set default`, a phonebook for
 * it) on a fresh store: every phone has it, so there is nothing to add first.
 */
export async function ensureDefaultProfile(store: Store, now: Date): Promise<void> {
  if (await store.getProfile(DEFAULT_PROFILE)) return;
  await store
    .insertProfile({
      name: DEFAULT_PROFILE,
      settings: {},
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    })
    .catch((error: unknown) => {
      if ((error as { code?: string }).code !== 'PND_PROFILE_EXISTS') throw error;
    });
}
