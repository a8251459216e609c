// The phone's side of plug-and-play for `plugndial simulate --via pnp`: SUBSCRIBE to the
// group (or a server given by address), take the 200 OK, answer the NOTIFY, return its URL.

import type { PnpAnnouncement } from '../drivers/driver.ts';
import { pndError } from '../errors.ts';
import { responseTo, type Peer } from '../sip/build.ts';
import { SipEndpoint, type SipTimers } from '../sip/endpoint.ts';
import { header } from '../sip/message.ts';
import { MAX_MESSAGE_BYTES } from '../sip/parse.ts';
import { pnpSubscribe } from '../sip/pnp.ts';
import { localAddressTowards, openSipSockets } from '../sip/transport.ts';

export interface PnpDiscovery {
  url: string;
  /** Who sent the NOTIFY. */
  server: Peer;
}

export interface DiscoverOptions {
  /** Where the SUBSCRIBE goes: the group 224.0.1.75:5060, or one server. */
  server: Peer;
  /** The interface address a multicast SUBSCRIBE leaves by. */
  interfaceAddress?: string;
  userAgent?: string;
  timers?: Partial<SipTimers>;
  /** How long to wait for the NOTIFY after the 200 OK; default 64·T1. */
  notifyTimeoutMs?: number;
}

export async function discoverByPnp(
  announcement: PnpAnnouncement,
  options: DiscoverOptions,
): Promise<PnpDiscovery> {
  const late: { endpoint?: SipEndpoint } = {};
  const sockets = await openSipSockets({
    host: '0.0.0.0',
    port: 0,
    joinOn: [],
    maxDatagram: MAX_MESSAGE_BYTES,
    ...(options.interfaceAddress ? { multicastInterface: options.interfaceAddress } : {}),
    onDatagram: (data, from) => late.endpoint?.receive(data, from),
  });
  const endpoint = new SipEndpoint(sockets, options.timers ? { timers: options.timers } : {});
  late.endpoint = endpoint;
  try {
    const address =
      options.interfaceAddress ??
      (await localAddressTowards(options.server.address)) ??
      '127.0.0.1';
    const local: Peer = { address, port: sockets.local.port };
    const subscribe = pnpSubscribe(announcement, {
      local,
      server: options.server,
      ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    });
    const callId = header(subscribe, 'Call-ID');
    let timer: NodeJS.Timeout | undefined;
    const notified = new Promise<PnpDiscovery>((resolve, reject) => {
      endpoint.onRequest(async (request, from) => {
        if (request.method !== 'NOTIFY' || header(request, 'Call-ID') !== callId) return;
        await endpoint.respond(request, responseTo(request, 200, 'OK', { from }), {
          address: from.address,
          port: from.port,
        });
        resolve({ url: request.body.toString('utf8').trim(), server: from });
      });
      timer = setTimeout(
        () => reject(pndError('PND_SIMULATE_STEP', 'no plug-and-play NOTIFY arrived')),
        options.notifyTimeoutMs ?? 64 * endpoint.timers.t1,
      );
    });
    notified.catch(() => undefined);
    const answer = await endpoint.request(subscribe, options.server);
    if (answer.status < 200 || answer.status >= 300) {
      clearTimeout(timer);
      throw pndError(
        'PND_SIMULATE_STEP',
        answer.timedOut
          ? `nobody answered the plug-and-play SUBSCRIBE sent to ${options.server.address}:${options.server.port}`
          : `the plug-and-play SUBSCRIBE was answered ${answer.status}`,
      );
    }
    try {
      return await notified;
    } finally {
      clearTimeout(timer);
    }
  } finally {
    endpoint.close();
    await sockets.close();
  }
}
