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

/**
 * A rendered file as text, its secret values masked unless asked for: the lines the
 * explanation marks secret (passwords, keys, credentials) are found in the body and hidden.
 */
export function bodyJson(
  body: Buffer,
  explanation: Explanation | undefined,
  options: ShowOptions,
): string {
  const text = body.toString('utf8');
  if (options.secrets || !explanation) return text;
  const values = explanation.entries
    .filter((e) => (e.from && isSecretKey(e.from)) || isSecretKey(`native.x.${e.key}`))
    .map((e) => e.value)
    // Short values (a PIN "1") would mask unrelated text; they are no secret worth a hole.
    .filter((v) => v.length >= 4)
    .sort((a, b) => b.length - a.length);
  let masked = text;
  for (const value of values) masked = masked.split(value).join('********');
  return masked;
}
