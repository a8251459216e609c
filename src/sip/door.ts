// The SIP door: sockets, endpoint and plug-and-play responder on `--sip [host:]port`, the
// group joined on `--sip-interface`; and the endpoint check-sync sends from.

import type { Driver, DoorUrls } from '../drivers/driver.ts';
import { pndError } from '../errors.ts';
import type { EventRecorder } from '../provisioning/recorder.ts';
import type { Store } from '../store/store.ts';
import { SipEndpoint, type EndpointStats, type SipTimers } from './endpoint.ts';
import { MAX_MESSAGE_BYTES } from './parse.ts';
import type { UnknownPolicy } from './policy.ts';
import { PnpResponder, type ResponderOptions } from './responder.ts';
import { joinProblem, resolveInterfaces, type InterfaceChoice } from './interfaces.ts';
import {
  localAddressTowards,
  openEphemeralSocket,
  openSipSockets,
  type SipSockets,
} from './transport.ts';

export interface SipDoorOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  interfaces: InterfaceChoice;
  unknown: UnknownPolicy;
  store: Store;
  drivers: readonly Driver[];
  recorder: EventRecorder;
  /** The doors' URLs for a phone that reached this door at `reachedAt`. */
  doorUrls(reachedAt: string): DoorUrls;
  now?: () => Date;
  timers?: Partial<SipTimers>;
  /** Told once per interface the group could not be joined on (auto/all only). */
  onJoinFailure?(address: string, code: string): void;
  /** Plug-and-play answers: where they go, how many NOTIFYs a destination gets (responder.ts). */
  answers?: Pick<ResponderOptions, 'notifyTo' | 'notifiesPerMinute' | 'onLimit'>;
}

export interface SipDoor {
  address: { address: string; port: number };
  /** Interface addresses the plug-and-play group was joined on. */
  joined: readonly string[];
  endpoint: SipEndpoint;
  stats(): EndpointStats;
  close(): Promise<void>;
}

export async function startSipDoor(options: SipDoorOptions): Promise<SipDoor> {
  const interfaces = resolveInterfaces(options.interfaces, options.host);
  if (interfaces.unknown.length > 0) throw joinProblem(interfaces.unknown);
  // Datagrams reach the endpoint once it exists; none can arrive before the socket is bound.
  const late: { endpoint?: SipEndpoint } = {};
  const sockets = await openSipSockets({
    host: options.host,
    port: options.port,
    joinOn: interfaces.addresses,
    maxDatagram: MAX_MESSAGE_BYTES,
    onDatagram: (data, from, arrival) => late.endpoint?.receive(data, from, arrival),
  });
  const explicit = Array.isArray(options.interfaces);
  if (explicit && sockets.joinFailures.length > 0) {
    await sockets.close();
    const failure = sockets.joinFailures[0]!;
    throw pndError(
      'PND_LISTEN',
      `cannot join the plug-and-play group on ${failure.address} (${failure.code}); check --sip-interface`,
    );
  }
  for (const failure of sockets.joinFailures)
    options.onJoinFailure?.(failure.address, failure.code);
  const endpoint = new SipEndpoint(sockets, options.timers ? { timers: options.timers } : {});
  late.endpoint = endpoint;
  const responder = new PnpResponder({
    endpoint,
    drivers: options.drivers,
    store: options.store,
    recorder: options.recorder,
    unknown: options.unknown,
    doorUrls: options.doorUrls,
    localAddress: localAddressTowards,
    ...(options.now ? { now: options.now } : {}),
    ...options.answers,
  });
  endpoint.onRequest(responder.handle);
  return {
    address: sockets.local,
    joined: sockets.joined,
    endpoint,
    stats: () => endpoint.stats(),
    async close(): Promise<void> {
      endpoint.close();
      await sockets.close();
    },
  };
}

/**
 * An endpoint on an ephemeral port, opened on first use: check-sync sends from it when
 * the SIP door is off or the command runs without a server.
 */
export function ephemeralEndpoint(timers?: Partial<SipTimers>): {
  get(): Promise<SipEndpoint>;
  close(): Promise<void>;
} {
  let opened: Promise<{ sockets: SipSockets; endpoint: SipEndpoint }> | undefined;
  return {
    get: async () => {
      opened ??= (async () => {
        const late: { endpoint?: SipEndpoint } = {};
        const sockets = await openEphemeralSocket(
          (data, from) => late.endpoint?.receive(data, from),
          MAX_MESSAGE_BYTES,
        );
        late.endpoint = new SipEndpoint(sockets, timers ? { timers } : {});
        return { sockets, endpoint: late.endpoint };
      })();
      return (await opened).endpoint;
    },
    close: async () => {
      if (!opened) return;
      const { sockets, endpoint } = await opened.catch(() => ({
        sockets: undefined,
        endpoint: undefined,
      }));
      endpoint?.close();
      await sockets?.close();
    },
  };
}
