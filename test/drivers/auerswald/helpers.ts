import { readFileSync } from 'node:fs';

import type { PhoneFetch, Recognition, RenderContext } from '../../../src/drivers/driver.ts';
import { auerswaldDriver } from '../../../src/drivers/auerswald/index.ts';
import type { Mac } from '../../../src/model/mac.ts';
import type { Settings } from '../../../src/model/settings.ts';

export const MAC = '00095200000e' as Mac;
export const BASE = 'http://prov.server.com/auerswald/';

export function golden(name: string): string {
  return readFileSync(new URL(`golden/${name}`, import.meta.url), 'utf8');
}

export function recognised(path: string, query = ''): Recognition {
  const recognition = auerswaldDriver.recognise({
    segments: path.split('/').filter(Boolean),
    query,
    transport: 'http',
  });
  if (!recognition) throw new Error(`${path} is not recognised`);
  return recognition;
}

export function context(
  settings: Settings,
  options: { withDevice?: boolean; baseUrl?: string } = {},
): RenderContext {
  return {
    vendor: 'auerswald',
    settings,
    baseUrl: options.baseUrl ?? BASE,
    now: new Date('2026-03-02T00:00:00Z'),
    ...(options.withDevice === false
      ? {}
      : {
          device: {
            mac: MAC,
            vendor: 'auerswald',
            profiles: [],
            settings,
            createdAt: '2026-01-01T00:00:00.000Z',
            updatedAt: '2026-01-01T00:00:00.000Z',
          },
        }),
  };
}

export function renderText(
  path: string,
  settings: Settings,
  options: Parameters<typeof context>[1] = {},
): string | undefined {
  return auerswaldDriver
    .render(recognised(`auerswald/${path}`), context(settings, options))
    ?.body.toString('utf8');
}

/** An in-memory server: URL → body, recording what was asked. */
export function fakeServer(files: Record<string, string>): { fetch: PhoneFetch; asked: string[] } {
  const asked: string[] = [];
  const fetch: PhoneFetch = async (url) => {
    asked.push(url);
    const body = files[url];
    return body === undefined
      ? { status: 404, body: Buffer.alloc(0) }
      : { status: 200, body: Buffer.from(body, 'utf8') };
  };
  return { fetch, asked };
}
