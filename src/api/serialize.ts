import type { Explanation } from '../drivers/driver.ts';
import type { Device, Profile } from '../model/device.ts';
import { isSecretKey, redactSettings } from '../model/settings.ts';

export interface ShowOptions {
  /** Secrets are only shown when the caller asks for them explicitly. */
  secrets: boolean;
}

export function deviceJson(device: Device, options: ShowOptions): Record<string, unknown> {
  return {
    mac: device.mac,
    vendor: device.vendor,
    model: device.model ?? null,
    profiles: device.profiles,
    settings: options.secrets ? device.settings : redactSettings(device.settings),
    reported: device.reported ?? {},
    lastContact: device.lastContact ?? null,
    createdAt: device.createdAt,
    updatedAt: device.updatedAt,
  };
}

export function profileJson(profile: Profile, options: ShowOptions): Record<string, unknown> {
  return {
    name: profile.name,
    description: profile.description ?? null,
    settings: options.secrets ? profile.settings : redactSettings(profile.settings),
    createdAt: profile.createdAt,
    updatedAt: profile.updatedAt,
  };
}

export function explanationJson(explanation: Explanation, options: ShowOptions): Explanation {
  if (options.secrets) return explanation;
  return {
    ...explanation,
    entries: explanation.entries.map((e) =>
      (e.from && isSecretKey(e.from)) || isSecretKey(`native.x.${e.key}`)
        ? { ...e, value: '********' }
        : e,
    ),
  };
}
