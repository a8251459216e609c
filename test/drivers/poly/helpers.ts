import { readFileSync } from 'node:fs';

import type { Recognition, RenderContext } from '../../../src/drivers/driver.ts';
import { polyDriver } from '../../../src/drivers/poly/index.ts';
import type { Contact } from '../../../src/model/contact.ts';
import type { Device } from '../../../src/model/device.ts';
import type { Mac } from '../../../src/model/mac.ts';
import type { Settings } from '../../../src/model/settings.ts';

/** The per-phone master file of the SIP 3.1 guide's example: 0004f200106c.cfg. */
export const MAC = '0004f200106c' as Mac;
export const BASE = 'http://10.0.0.5/';
export const WINTER = new Date('2025-01-15T12:00:00Z');

export function golden(name: string): string {
  return readFileSync(new URL(`golden/${name}`, import.meta.url), 'utf8');
}

export function device(settings: Settings, mac: Mac = MAC): Device {
  return {
    mac,
    vendor: 'poly',
    model: 'VVX450',
    profiles: [],
    settings,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
  };
}

export function recognised(
  name: string,
  options: { userAgent?: string; upload?: boolean } = {},
): Recognition {
  const recognition = polyDriver.recognise({
    segments: name.split('/'),
    query: '',
    transport: 'http',
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.upload ? { upload: true } : {}),
  });
  if (!recognition) throw new Error(`${name} is not recognised`);
  return recognition;
}

export interface ContextOptions {
  withDevice?: boolean;
  now?: Date;
  contacts?: Contact[];
  firmware?: RenderContext['firmware'];
  credentials?: RenderContext['credentials'];
}

export function context(settings: Settings, options: ContextOptions = {}): RenderContext {
  return {
    vendor: 'poly',
    settings,
    baseUrl: BASE,
    now: options.now ?? WINTER,
    ...(options.withDevice === false ? {} : { device: device(settings) }),
    ...(options.contacts ? { contacts: options.contacts } : {}),
    ...(options.firmware ? { firmware: options.firmware } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
}

export function renderText(
  name: string,
  settings: Settings,
  options: ContextOptions = {},
): string | undefined {
  return polyDriver.render(recognised(name), context(settings, options))?.body.toString('utf8');
}

export const FIRMWARE: NonNullable<RenderContext['firmware']> = {
  vendor: 'poly',
  model: 'VVX450',
  version: '6.4.6.2500',
  fileName: '3111-65290-001.sip.ld',
  size: 3,
  sha256: 'ab'.repeat(32),
  url: `${BASE}firmware/poly/VVX450/6.4.6.2500/3111-65290-001.sip.ld`,
};
