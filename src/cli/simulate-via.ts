import { parseListen } from '../config/listen.ts';
import type { Driver, PhoneIdentity } from '../drivers/driver.ts';
import { pndError } from '../errors.ts';
import { maskUserinfo } from '../redact.ts';
import { discoverByPnp } from '../simulate/pnp.ts';
import { PNP_GROUP } from '../sip/pnp.ts';
import type { Parsed } from './args.ts';
import type { CommandIO } from './io.ts';
import { DHCP_VIA_OPTIONS, urlByDhcp } from './simulate-dhcp.ts';

/** The options `simulate` takes for finding its URL. */
export const VIA_OPTIONS = {
  via: { type: 'string' },
  sip: { type: 'string' },
  'sip-interface': { type: 'string' },
  ...DHCP_VIA_OPTIONS,
} as const;

/**
 * The URL the phone starts from: `--url` as given, or with `--via pnp` the one a
 * plug-and-play NOTIFY carries, after a SUBSCRIBE to 224.0.1.75:5060 (or `--sip`) leaving
 * by `--sip-interface`.
 */
export async function startUrl(
  values: Parsed['values'],
  driver: Driver,
  identity: PhoneIdentity,
  io: CommandIO,
): Promise<string> {
  const via = String(values['via'] ?? 'url');
  if (via === 'url') {
    const base = String(values['url'] ?? '');
    if (!/^(https?|ftp|tftp):\/\/[^/]+/i.test(base))
      throw pndError(
        'PND_INVALID_ARGUMENT',
        '--url: expected http://, https://, ftp:// or tftp:// followed by the server, e.g. http://127.0.0.1:8080/ (or find it with --via pnp)',
      );
    return base;
  }
  if (via === 'dhcp') return urlByDhcp(values, driver, identity, io);
  if (via !== 'pnp')
    throw pndError('PND_INVALID_ARGUMENT', '--via: expected url, pnp, dhcp or tr069');
  if (values['url'] !== undefined)
    throw pndError('PND_INVALID_ARGUMENT', '--via pnp finds the URL itself; leave out --url');
  const announce = driver.phone.plugAndPlay?.(identity);
  if (!announce)
    throw pndError(
      'PND_INVALID_ARGUMENT',
      `${identity.vendor} phones have no plug-and-play emulation yet`,
    );
  const server = parseListen(String(values['sip'] ?? `${PNP_GROUP}:5060`), PNP_GROUP);
  if (!server.ok || !server.value)
    throw pndError('PND_INVALID_ARGUMENT', '--sip: expected HOST or HOST:PORT, e.g. 10.0.0.5:5060');
  const found = await discoverByPnp(announce, {
    server: { address: server.value.host, port: server.value.port },
    userAgent: driver.phone.userAgent(identity),
    ...(values['sip-interface'] ? { interfaceAddress: String(values['sip-interface']) } : {}),
  });
  io.err(
    `pnp ${maskUserinfo(found.url)} (NOTIFY from ${found.server.address}:${found.server.port})\n`,
  );
  if (!/^(https?|ftp|tftp):\/\/[^/]+/i.test(found.url))
    throw pndError(
      'PND_SIMULATE_STEP',
      `plug-and-play gave "${found.url.slice(0, 80)}", not an http, https or tftp URL`,
    );
  return found.url;
}
