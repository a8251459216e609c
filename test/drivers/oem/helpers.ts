import { readFileSync } from 'node:fs';

import type { Recognition, RenderContext } from '../../../src/drivers/driver.ts';
import { oemDriver } from '../../../src/drivers/oem/index.ts';
import type { Device } from '../../../src/model/device.ts';
import type { Mac } from '../../../src/model/mac.ts';
import type { Settings } from '../../../src/model/settings.ts';

export const MAC = '00908f0a1b2c' as Mac;
/** The class of seed 000's example firmware URL (aps.sipphone.com/firmware/leadtek/LR8051S/). */
export const CLASS = 'leadtek/LR8051S';
export const NOW = new Date('2024-01-15T12:00:00Z');

/** Seed 000's plaintext example, as canonical and native settings. */
export const SEED_SETTINGS: Settings = {
  'accounts.1.registrar': 'proxy01.sipphone.com',
  'accounts.1.registrar_port': 5060,
  'native.oem.local_rtp_port': '5004',
  'native.oem.local_sip_port': '5060',
  'native.oem.codec3': 'G711u',
};

export function golden(name: string): string {
  return readFileSync(new URL(`golden/${name}`, import.meta.url), 'utf8');
}

export function device(settings: Settings, model: string | undefined = CLASS): Device {
  return {
    mac: MAC,
    vendor: 'oem',
    ...(model ? { model } : {}),
    profiles: [],
    settings,
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
  };
}

export function appRequest(deviceClass = CLASS, query?: string): Recognition | undefined {
  return oemDriver.recognise({
    segments: ['prov', ...deviceClass.split('/'), 'app'],
    query: query ?? `class=${deviceClass};mac_address=${MAC}`,
    transport: 'https',
  });
}

export function context(settings: Settings, extra: Partial<RenderContext> = {}): RenderContext {
  return {
    vendor: 'oem',
    settings,
    baseUrl: 'https://aps.sipphone.com/',
    now: NOW,
    device: device(settings),
    ...extra,
  };
}
