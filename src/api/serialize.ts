import type { Explanation } from '../drivers/driver.ts';
import { escapeAttribute, escapeText } from '../formats/xml.ts';
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
 * A rendered file as text, its secret values masked unless asked for: the values the
 * explanation marks secret (passwords, keys, credentials) and the device's secrets, in the
 * forms files carry them (XML-escaped, percent-encoded, and those the driver names), are hidden. A short
 * value is hidden only where it stands as a value (after `=`, `>` or a quote, up to the line's
 * or the element's end), not wherever its letters occur.
 */
export function bodyJson(
  body: Buffer,
  explanation: Explanation | undefined,
  options: ShowOptions,
  secrets: readonly string[] = [],
): string {
  const text = body.toString('utf8');
  if (options.secrets) return text;
  const given = [
    ...(explanation?.entries ?? [])
      .filter((e) => (e.from && isSecretKey(e.from)) || isSecretKey(`native.x.${e.key}`))
      .map((e) => e.value),
    ...secrets,
  ];
  const forms = new Set<string>();
  for (const value of given) {
    if (value === '' || value === '********') continue;
    for (const form of [
      value,
      escapeText(value),
      escapeAttribute(value),
      encodeURIComponent(value),
    ])
      forms.add(form);
  }
  let masked = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    masked =
      form.length >= 4
        ? masked.split(form).join('********')
        : masked.replace(
            new RegExp(`(?<=[=>"':]|^)${escapeRegExp(form)}(?=[<"'\r\n;&]|$)`, 'gm'),
            '********',
          );
  }
  return masked;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
