import { fail, ok, type Result } from '../errors.ts';

export interface ListenAddress {
  host: string;
  port: number;
}

/** Parses a door flag: `off`, `port`, `host:port` or `[v6]:port`. Undefined means off. */
export function parseListen(text: string, defaultHost: string): Result<ListenAddress | undefined> {
  const value = text.trim();
  if (value === 'off') return ok(undefined);
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(value);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) {
    return fail(
      'PND_CONFIG',
      `"${value.slice(0, 60)}" is not a listen address; use off, PORT or HOST:PORT`,
    );
  }
  const host = match[1] ? match[1].replace(/^\[|\]$/g, '') : defaultHost;
  return ok({ host, port });
}

export function formatListen(address: ListenAddress): string {
  return address.host.includes(':')
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}
