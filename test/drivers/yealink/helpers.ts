import { readFileSync } from 'node:fs';

import type { Recognition, RenderContext } from '../../../src/drivers/driver.ts';
import { yealinkDriver } from '../../../src/drivers/yealink/index.ts';
import type { Device } from '../../../src/model/device.ts';
import type { Mac } from '../../../src/model/mac.ts';
import type { Settings } from '../../../src/model/settings.ts';

export const MAC = '0021f2000001' as Mac;

/** A winter instant: no zone in the tests is on summer time, unless a test says so. */
export const WINTER = new Date('2024-01-15T12:00:00Z');

export function golden(name: string): string {
  return readFileSync(new URL(`golden/${name}`, import.meta.url), 'utf8');
}

export function device(settings: Settings, vendor = 'flyingvoice', mac: Mac = MAC): Device {
  return {
    mac,
    vendor,
    profiles: [],
    settings,
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
  };
}

export function recognised(name: string, userAgent?: string): Recognition {
  const recognition = yealinkDriver.recognise({
    segments: [name],
    query: '',
    transport: 'http',
    ...(userAgent ? { userAgent } : {}),
  });
  if (!recognition) throw new Error(`${name} is not recognised`);
  return recognition;
}

export function context(
  settings: Settings,
  options: { vendor?: string; withDevice?: boolean; now?: Date; mac?: Mac } = {},
): RenderContext {
  const vendor = options.vendor ?? 'flyingvoice';
  return {
    vendor,
    settings,
    baseUrl: 'http://10.20.0.92/prov/',
    now: options.now ?? WINTER,
    ...(options.withDevice === false
      ? {}
      : { device: device(settings, vendor, options.mac ?? MAC) }),
  };
}

/** Renders one file by name, as the phone would ask for it. */
export function renderText(
  name: string,
  settings: Settings,
  options: { vendor?: string; withDevice?: boolean; now?: Date; mac?: Mac } = {},
): string | undefined {
  const artifact = yealinkDriver.render(recognised(name), context(settings, options));
  return artifact?.body.toString('utf8');
}
