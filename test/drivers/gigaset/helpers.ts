import { readFileSync } from 'node:fs';

import type { Recognition, RenderContext } from '../../../src/drivers/driver.ts';
import { gigasetDriver } from '../../../src/drivers/gigaset/index.ts';
import type { Device } from '../../../src/model/device.ts';
import type { Mac } from '../../../src/model/mac.ts';
import type { Settings } from '../../../src/model/settings.ts';

export const MAC = '7c2f80000001' as Mac;
export const BASE = 'http://10.0.0.5/gigaset/';
export const NVM_UVC = new Date('2026-03-01T12:00:00Z');
export const FIRMWARE_UVC = new Date('2026-02-01T08:30:00Z');
export const CUSTOM_UVC = new Date('2026-02-15T17:45:10Z');

export function golden(name: string): string {
  return readFileSync(new URL(`golden/${name}`, import.meta.url), 'utf8');
}

export function device(settings: Settings, mac: Mac = MAC, model?: string): Device {
  return {
    mac,
    vendor: 'gigaset',
    ...(model ? { model } : {}),
    profiles: [],
    settings,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

export function recognised(path: string, query = '', userAgent?: string): Recognition {
  const recognition = gigasetDriver.recognise({
    segments: path.split('/').filter(Boolean),
    query,
    transport: 'http',
    ...(userAgent ? { userAgent } : {}),
  });
  if (!recognition) throw new Error(`${path} is not recognised`);
  return recognition;
}

export function context(
  settings: Settings,
  options: { mac?: Mac; model?: string; versions?: Record<string, Date>; baseUrl?: string } = {},
): RenderContext {
  return {
    vendor: 'gigaset',
    settings,
    baseUrl: options.baseUrl ?? BASE,
    now: new Date('2026-03-02T00:00:00Z'),
    device: device(settings, options.mac ?? MAC, options.model),
    versions: options.versions ?? { nvm: NVM_UVC, firmware: FIRMWARE_UVC, custom: CUSTOM_UVC },
  };
}

/** Renders a path below the phone's prefix, as the phone would ask for it. */
export function renderText(
  path: string,
  settings: Settings,
  options: Parameters<typeof context>[1] = {},
): string | undefined {
  const recognition = recognised(`gigaset/${path}`);
  return gigasetDriver.render(recognition, context(settings, options))?.body.toString('utf8');
}
