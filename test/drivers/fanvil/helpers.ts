import { readFileSync } from 'node:fs';

import type { Recognition, RenderContext } from '../../../src/drivers/driver.ts';
import { fanvilDriver } from '../../../src/drivers/fanvil/index.ts';
import type { Contact } from '../../../src/model/contact.ts';
import type { Device } from '../../../src/model/device.ts';
import type { Mac } from '../../../src/model/mac.ts';
import type { Settings } from '../../../src/model/settings.ts';

/** The MAC of seed 004's example agent `Fanvil X4 2.10.2.6887 0c383e07e16c`. */
export const MAC = '0c383e07e16c' as Mac;
export const WINTER = new Date('2024-01-15T12:00:00Z');

export function golden(name: string): string {
  return readFileSync(new URL(`golden/${name}`, import.meta.url), 'utf8');
}

export function goldenBytes(name: string): Buffer {
  return readFileSync(new URL(`golden/${name}`, import.meta.url));
}

export function device(settings: Settings, mac: Mac = MAC): Device {
  return {
    mac,
    vendor: 'fanvil',
    model: 'X4',
    profiles: [],
    settings,
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
  };
}

export function recognised(
  name: string,
  options: { query?: string; userAgent?: string } = {},
): Recognition {
  const recognition = fanvilDriver.recognise({
    segments: [name],
    query: options.query ?? '',
    transport: 'tftp',
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
  });
  if (!recognition) throw new Error(`${name} is not recognised`);
  return recognition;
}

export interface ContextOptions {
  withDevice?: boolean;
  baseUrl?: string;
  now?: Date;
  contacts?: Contact[];
  firmware?: RenderContext['firmware'];
}

export function context(settings: Settings, options: ContextOptions = {}): RenderContext {
  return {
    vendor: 'fanvil',
    settings,
    baseUrl: options.baseUrl ?? 'tftp://172.16.6.70/',
    now: options.now ?? WINTER,
    ...(options.withDevice === false ? {} : { device: device(settings) }),
    ...(options.contacts ? { contacts: options.contacts } : {}),
    ...(options.firmware ? { firmware: options.firmware } : {}),
  };
}

export function render(
  name: string,
  settings: Settings,
  options: ContextOptions = {},
): Buffer | undefined {
  return fanvilDriver.render(recognised(name), context(settings, options))?.body;
}

export function renderText(
  name: string,
  settings: Settings,
  options: ContextOptions = {},
): string | undefined {
  return render(name, settings, options)?.toString('utf8');
}
