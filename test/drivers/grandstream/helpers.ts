import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';

import type { Recognition, RenderContext } from '../../../src/drivers/driver.ts';
import { grandstreamDriver } from '../../../src/drivers/grandstream/index.ts';
import type { Contact } from '../../../src/model/contact.ts';
import type { Device } from '../../../src/model/device.ts';
import type { Mac } from '../../../src/model/mac.ts';
import type { Settings } from '../../../src/model/settings.ts';

/** The MAC of the Grandstream guides' own example file (`<mac>000b82123456</mac>`). */
export const MAC = '000b82123456' as Mac;
export const WINTER = new Date('2026-01-15T12:00:00Z');
export const SUMMER = new Date('2026-07-15T12:00:00Z');

export function golden(name: string): string {
  return readFileSync(new URL(`golden/${name}`, import.meta.url), 'utf8');
}

/** The file equals its golden one; `UPDATE_GOLDEN=1` writes it instead (then review the diff). */
export function assertGolden(name: string, text: string): void {
  if (process.env['UPDATE_GOLDEN'] === '1') {
    writeFileSync(new URL(`golden/${name}`, import.meta.url), text);
    return;
  }
  assert.equal(text, golden(name));
}

export function device(settings: Settings, mac: Mac = MAC, model = 'GXP2130'): Device {
  return {
    mac,
    vendor: 'grandstream',
    model,
    profiles: [],
    settings,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

export function recognised(
  path: string,
  options: { userAgent?: string; transport?: 'http' | 'tftp' } = {},
): Recognition {
  const recognition = grandstreamDriver.recognise({
    segments: path.split('/').filter(Boolean),
    query: '',
    transport: options.transport ?? 'http',
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
  });
  if (!recognition) throw new Error(`${path} is not recognised`);
  return recognition;
}

export interface ContextOptions {
  withDevice?: boolean;
  /** The device's model; GXP2130 unless given. */
  model?: string;
  baseUrl?: string;
  now?: Date;
  contacts?: Contact[];
  firmware?: RenderContext['firmware'];
  credentials?: RenderContext['credentials'];
}

export function context(settings: Settings, options: ContextOptions = {}): RenderContext {
  return {
    vendor: 'grandstream',
    settings,
    baseUrl: options.baseUrl ?? 'http://prov.example.com/gs/',
    now: options.now ?? WINTER,
    ...(options.withDevice === false ? {} : { device: device(settings, MAC, options.model) }),
    ...(options.contacts ? { contacts: options.contacts } : {}),
    ...(options.firmware ? { firmware: options.firmware } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
}

export function render(
  path: string,
  settings: Settings,
  options: ContextOptions = {},
): Buffer | undefined {
  return grandstreamDriver.render(recognised(path), context(settings, options))?.body;
}

export function renderText(
  path: string,
  settings: Settings,
  options: ContextOptions = {},
): string | undefined {
  return render(path, settings, options)?.toString('utf8');
}

export const ACCOUNT: Settings = {
  'accounts.1.user': '201',
  'accounts.1.password': 's3cret',
  'accounts.1.registrar': 'pbx.example.com',
};
