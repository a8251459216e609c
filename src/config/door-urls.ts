// Where phones reach each door: the URLs handed out by plug-and-play (and any other door
// that tells a phone where to go). The operator's public URL wins; otherwise the address
// the door is bound to, or, for a wildcard door, the address the phone reached us on.

import { isIP } from 'node:net';

import type { ListenAddress } from './listen.ts';
import type { DoorUrls } from '../drivers/driver.ts';

export interface BoundDoors {
  http?: ListenAddress;
  tftp?: ListenAddress;
  /** Named only to the families whose phones take an FTP boot server (DoorUrls.ftp). */
  ftp?: ListenAddress;
}

const DEFAULT_PORTS = { http: 80, https: 443, tftp: 69, ftp: 21 } as const;

/**
 * The base URL of every door that is on, without a trailing `/`. `reachedAt` is the local
 * address the phone's message arrived on (what a phone on that link can reach).
 */
export function doorUrls(
  doors: BoundDoors,
  options: { publicUrl?: string; reachedAt: string },
): DoorUrls {
  const urls: DoorUrls = {};
  let publicHost: string | undefined;
  let publicScheme: string | undefined;
  if (options.publicUrl) {
    const url = new URL(options.publicUrl);
    publicHost = url.hostname;
    publicScheme = url.protocol.slice(0, -1);
  }
  const hostFor = (bound: ListenAddress): string =>
    publicHost ?? (isWildcard(bound.host) ? options.reachedAt : bound.host);
  for (const scheme of ['http', 'tftp', 'ftp'] as const) {
    const bound = doors[scheme];
    if (!bound) continue;
    urls[scheme] = origin(scheme, hostFor(bound), bound.port);
  }
  if (options.publicUrl && (publicScheme === 'http' || publicScheme === 'https')) {
    // The public URL may be a proxy with its own port and path: it is given to phones as it is.
    urls[publicScheme] = options.publicUrl.replace(/\/+$/, '');
  }
  return urls;
}

function origin(scheme: keyof typeof DEFAULT_PORTS, host: string, port: number): string {
  const h = isIP(host) === 6 ? `[${host}]` : host;
  return port === DEFAULT_PORTS[scheme] ? `${scheme}://${h}` : `${scheme}://${h}:${port}`;
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}
