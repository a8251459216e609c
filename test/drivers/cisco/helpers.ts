import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';

import { ciscoDriver } from '../../../src/drivers/cisco/index.ts';
import type { PhoneFetch, Recognition, RenderContext } from '../../../src/drivers/driver.ts';
import type { Contact } from '../../../src/model/contact.ts';
import type { Device } from '../../../src/model/device.ts';
import type { Mac } from '../../../src/model/mac.ts';
import type { Settings } from '../../../src/model/settings.ts';

/** The MAC of the MPP User-Agent example `Cisco-CP-7832-3PCC/11.0.1 (00562b043615)`. */
export const MAC = '00562b043615' as Mac;
export const SPA_MAC = '002699aabbcc' as Mac;
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

export function device(settings: Settings, vendor = 'cisco'): Device {
  return {
    mac: vendor === 'cisco' ? MAC : SPA_MAC,
    vendor,
    model: vendor === 'cisco' ? 'CP-8841-3PCC' : 'SPA504G',
    profiles: [],
    settings,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

export function recognised(path: string, userAgent?: string): Recognition {
  const recognition = ciscoDriver.recognise({
    segments: path.split('/').filter(Boolean),
    query: '',
    transport: 'tftp',
    ...(userAgent ? { userAgent } : {}),
  });
  if (!recognition) throw new Error(`${path} is not recognised`);
  return recognition;
}

export interface ContextOptions {
  vendor?: 'cisco' | 'cisco-spa';
  withDevice?: boolean;
  baseUrl?: string;
  now?: Date;
  contacts?: Contact[];
  firmware?: RenderContext['firmware'];
  credentials?: RenderContext['credentials'];
}

export function context(settings: Settings, options: ContextOptions = {}): RenderContext {
  const vendor = options.vendor ?? 'cisco';
  return {
    vendor,
    settings,
    baseUrl: options.baseUrl ?? 'tftp://10.0.0.5/',
    now: options.now ?? WINTER,
    ...(options.withDevice === false ? {} : { device: device(settings, vendor) }),
    ...(options.contacts ? { contacts: options.contacts } : {}),
    ...(options.firmware ? { firmware: options.firmware } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
}

export function renderText(
  path: string,
  settings: Settings,
  options: ContextOptions = {},
): string | undefined {
  return ciscoDriver.render(recognised(path), context(settings, options))?.body.toString('utf8');
}

export const ACCOUNT: Settings = {
  'accounts.1.user': '301',
  'accounts.1.password': 's3cret',
  'accounts.1.registrar': 'pbx.example.com',
};

/**
 * A server at `base` that renders what the driver recognises: bootstraps from the
 * defaults, the phone's own files from its settings.
 */
export function server(
  base: string,
  settings: Settings,
  options: ContextOptions & { image?: Buffer; shared?: Settings } = {},
): { fetch: PhoneFetch; asked: string[]; presented: (string | undefined)[] } {
  const asked: string[] = [];
  const presented: (string | undefined)[] = [];
  return {
    asked,
    presented,
    fetch: async (url, request) => {
      asked.push(url);
      presented.push(request?.credentials?.username);
      if (options.image && url.endsWith('.loads')) return { status: 200, body: options.image };
      if (!url.startsWith(base)) return { status: 404, body: Buffer.alloc(0) };
      const segments = decodeURI(url.slice(base.length)).split('/').filter(Boolean);
      const recognition = ciscoDriver.recognise({ segments, query: '', transport: 'tftp' });
      const shared = recognition?.needsDevice === false;
      const artifact =
        recognition &&
        ciscoDriver.render(
          recognition,
          context(shared ? (options.shared ?? {}) : settings, {
            ...options,
            baseUrl: base,
            withDevice: !shared,
          }),
        );
      return artifact
        ? { status: 200, body: artifact.body }
        : { status: 404, body: Buffer.alloc(0) };
    },
  };
}
