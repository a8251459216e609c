import { readFileSync } from 'node:fs';

import type { Recognition, RenderContext } from '../../../src/drivers/driver.ts';
import { snomDriver } from '../../../src/drivers/snom/index.ts';
import type { Contact } from '../../../src/model/contact.ts';
import type { Device } from '../../../src/model/device.ts';
import type { Mac } from '../../../src/model/mac.ts';
import type { Settings } from '../../../src/model/settings.ts';

/** The D345 of the Snom wiki's Auto Provisioning page: MAC 000413A11FA7. */
export const MAC = '000413a11fa7' as Mac;
export const BASE = 'http://192.168.137.1/';
export const WINTER = new Date('2025-01-15T12:00:00Z');

export function golden(name: string): string {
  return readFileSync(new URL(`golden/${name}`, import.meta.url), 'utf8');
}

export function device(settings: Settings, mac: Mac = MAC): Device {
  return {
    mac,
    vendor: 'snom',
    model: 'D345',
    profiles: [],
    settings,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
  };
}

export function recognised(
  name: string,
  options: { userAgent?: string; transport?: 'http' | 'tftp' } = {},
): Recognition {
  const recognition = snomDriver.recognise({
    segments: name.split('/'),
    query: '',
    transport: options.transport ?? 'http',
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
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
  baseUrl?: string;
}

export function context(settings: Settings, options: ContextOptions = {}): RenderContext {
  return {
    vendor: 'snom',
    settings,
    baseUrl: options.baseUrl ?? BASE,
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
  return snomDriver.render(recognised(name), context(settings, options))?.body.toString('utf8');
}
