// The plug-and-play responder: a phone's SUBSCRIBE (Event: ua-profile) is answered with
// 200 OK and a NOTIFY whose body is the URL the phone's driver wants. Every SUBSCRIBE
// becomes one provisioning event. Vendor knowledge comes from the drivers only.

import { isIP } from 'node:net';

import { publishRequest } from '../channels.ts';
import type { Driver, DoorUrls, PnpContext, PnpSubscribe } from '../drivers/driver.ts';
import type { Device } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import { effectiveSettings } from '../model/merge.ts';
import { ConfigurationView } from '../provisioning/configuration-view.ts';
import type { ProvisioningEvent } from '../model/event.ts';
import { lastContactOf } from '../provisioning/last-contact.ts';
import type { OnLimit } from '../provisioning/limit-recorder.ts';
import type { EventRecorder } from '../provisioning/recorder.ts';
import { maskUserinfo } from '../redact.ts';
import type { Store } from '../store/store.ts';
import { missingHeaders, newTag, responseDestination, responseTo, type Peer } from './build.ts';
import type { Arrival, SipEndpoint } from './endpoint.ts';
import { header, type SipRequest } from './message.ts';
import type { UnknownPolicy } from './policy.ts';
import { notifyDestination, pnpAccepted, pnpNotify, readPnpSubscribe } from './pnp.ts';
import { parseSipUri } from './values.ts';

export interface ResponderOptions {
  endpoint: SipEndpoint;
  drivers: readonly Driver[];
  store: Store;
  recorder: EventRecorder;
  unknown?: UnknownPolicy;
  /** The doors' URLs for a phone that reached us at this local address. */
  doorUrls(reachedAt: string): DoorUrls;
  /** The local address the kernel sends from towards a phone. */
  localAddress(remote: string): Promise<string | undefined>;
  now?: () => Date;
  /** SUBSCRIBEs answered per source address: a burst, then so many per second. */
  rate?: { burst: number; perSecond: number };
  /** NOTIFY transactions at once; each may retransmit for 32 s. */
  maxNotifies?: number;
  /**
   * Where answers go. `source` (default): the address and port the SUBSCRIBE came from,
   * whatever its Contact and Via say, so a forged SUBSCRIBE cannot aim our NOTIFY at a
   * third host. `contact`: as RFC 3261 routes them (Via without rport, then Contact).
   */
  notifyTo?: 'source' | 'contact';
  /** NOTIFYs one destination address gets in a minute: a burst of this many, then refilled. */
  notifiesPerMinute?: number;
  /** A destination was held to the NOTIFY rate. */
  onLimit?: OnLimit;
}

const ALLOW = 'SUBSCRIBE, OPTIONS';

/** Methods of RFC 3261 and its extensions a provisioning server knows but does not take. */
const KNOWN_METHODS = new Set([
  'INVITE',
  'BYE',
  'REGISTER',
  'NOTIFY',
  'MESSAGE',
  'INFO',
  'PRACK',
  'UPDATE',
  'REFER',
  'PUBLISH',
]);

/**
 * The answer to a request other than SUBSCRIBE (RFC 3261 §8.2.1, §9.2, §21.5): OPTIONS is
 * answered, a known method is not allowed here, a CANCEL matches no INVITE this server
 * took, and a method nobody defined is not implemented.
 */
function answerOf(method: string): [number, string] {
  if (method === 'OPTIONS') return [200, 'OK'];
  if (method === 'CANCEL') return [481, 'Call/Transaction Does Not Exist'];
  if (KNOWN_METHODS.has(method)) return [405, 'Method Not Allowed'];
  return [501, 'Not Implemented'];
}
const MAX_BUCKETS = 4096;

interface Handled {
  status: number;
  reason?: string;
  file?: string;
  mac?: Mac;
  driver?: string;
  /** The vendor the phone was taken for. */
  vendor?: string;
  device?: Device;
  subscribe?: PnpSubscribe;
  bytes?: number;
  retransmissions?: number;
}

export class PnpResponder {
  readonly #options: ResponderOptions;
  readonly #view: ConfigurationView;
  readonly #now: () => Date;
  readonly #unknown: UnknownPolicy;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #rate: { burst: number; perSecond: number };
  readonly #maxNotifies: number;
  readonly #notifyTo: 'source' | 'contact';
  readonly #destinations = new Map<string, { tokens: number; at: number }>();
  #notifying = 0;

  constructor(options: ResponderOptions) {
    this.#options = options;
    this.#view = new ConfigurationView(options.store);
    this.#now = options.now ?? ((): Date => new Date());
    this.#unknown = options.unknown ?? 'pending-answer';
    this.#rate = options.rate ?? { burst: 20, perSecond: 2 };
    this.#maxNotifies = options.maxNotifies ?? 1024;
    this.#notifyTo = options.notifyTo ?? 'source';
  }

  /** Where a response to `request` goes (see `notifyTo`). */
  #answerTo(request: SipRequest, from: Peer): Peer {
    return this.#notifyTo === 'source' ? from : responseDestination(request, from);
  }

  /** The endpoint's request handler. */
  readonly handle = async (request: SipRequest, from: Peer, arrival: Arrival): Promise<void> => {
    const multicast = arrival === 'multicast' || isMulticast(parseSipUri(request.uri)?.host);
    if (request.method === 'SUBSCRIBE') return this.#subscribe(request, from, multicast);
    // Nobody answers errors to multicast (RFC 3261 §8.2.1 spirit): many servers may hear it.
    if (multicast || request.method === 'ACK' || missingHeaders(request).length > 0) return;
    const endpoint = this.#options.endpoint;
    const [status, reason] = answerOf(request.method);
    await endpoint.respond(
      request,
      responseTo(request, status, reason, {
        from,
        toTag: newTag(),
        headers: [{ name: 'Allow', value: ALLOW }],
      }),
      this.#answerTo(request, from),
    );
  };

  async #subscribe(request: SipRequest, from: Peer, multicast: boolean): Promise<void> {
    const started = performance.now();
    const at = this.#now();
    let handled: Handled;
    try {
      handled = await this.#answer(request, from, multicast, at);
    } catch {
      // A store outage: the phone hears nothing and tries again at its next SUBSCRIBE.
      handled = { status: 500, reason: 'internal-error' };
    }
    this.#record(request, from, at, started, handled);
  }

  async #answer(request: SipRequest, from: Peer, multicast: boolean, at: Date): Promise<Handled> {
    const endpoint = this.#options.endpoint;
    const read = readPnpSubscribe(request);
    const mac = read.ok ? read.subscribe.mac : read.mac;
    const refuse = async (status: number, reason: string, why: string): Promise<Handled> => {
      // Without a Via there is nowhere a response could be routed back to.
      if (!multicast && header(request, 'Via')) {
        await endpoint.respond(
          request,
          responseTo(request, status, why, { from, toTag: newTag() }),
          this.#answerTo(request, from),
        );
      }
      return { status, reason, ...(mac ? { mac } : {}) };
    };
    if (missingHeaders(request).length > 0) return refuse(400, 'bad-request', 'Bad Request');
    if (!this.#allowed(from.address)) {
      return { status: 429, reason: 'throttled', ...(mac ? { mac } : {}) };
    }
    if (!read.ok) {
      return read.problem === 'bad-event'
        ? refuse(489, 'bad-event', 'Bad Event')
        : refuse(404, 'no-mac', 'Not Found');
    }
    const subscribe = read.subscribe;
    const known: Handled = { status: 404, mac: subscribe.mac, subscribe };

    const device = await this.#view.device(subscribe.mac);
    let driver: Driver | undefined;
    let vendor: string;
    if (device) {
      driver = this.#options.drivers.find((d) => d.vendors.includes(device.vendor));
      vendor = device.vendor;
      known.device = device;
    } else {
      const claim = this.#claim(subscribe);
      if (this.#unknown === 'pending' || this.#unknown === 'pending-answer') {
        await this.#options.store.recordPendingPhone({
          mac: subscribe.mac,
          address: from.address,
          lastSeen: at.toISOString(),
          ...(claim ? { vendor: claim.vendor } : {}),
          ...(subscribe.model ? { model: subscribe.model } : {}),
          ...(subscribe.version ? { firmware: subscribe.version } : {}),
        });
      }
      if (this.#unknown === 'ignore') return { ...known, reason: 'unknown-ignored' };
      if (this.#unknown === 'pending') return { ...known, reason: 'pending' };
      if (!claim) return { ...known, reason: 'unclaimed' };
      driver = claim.driver;
      vendor = claim.vendor;
    }
    if (!driver) return { ...known, reason: 'no-driver' };
    known.driver = driver.name;
    known.vendor = vendor;

    const reachedAt = await this.#reachedAt(from.address);
    const doors = this.#options.doorUrls(reachedAt);
    const profiles = await this.#view.profiles();
    const context: PnpContext = {
      vendor,
      settings: effectiveSettings(device, profiles).settings,
      doors,
      ...(device ? { device } : {}),
    };
    const url = driver.plugAndPlayUrl
      ? driver.plugAndPlayUrl(subscribe, context)
      : driver.provisioningUrl?.(doors);
    if (url === undefined) return { ...known, reason: 'no-url' };
    if (this.#notifying >= this.#maxNotifies) return { ...known, status: 503, reason: 'busy' };
    const destination = this.#notifyTo === 'source' ? from : notifyDestination(request, from);
    if (!this.#mayNotify(destination.address)) {
      return { ...known, status: 429, reason: 'notify-limited' };
    }

    const local: Peer = { address: reachedAt, port: endpoint.local.port };
    const toTag = newTag();
    await endpoint.respond(
      request,
      pnpAccepted(request, from, local, toTag),
      this.#answerTo(request, from),
    );
    this.#notifying++;
    try {
      const outcome = await endpoint.request(
        pnpNotify(request, { url, toTag, local, target: from }),
        destination,
      );
      return {
        ...known,
        status: outcome.status,
        file: maskUserinfo(url).slice(0, 256),
        bytes: Buffer.byteLength(url),
        retransmissions: outcome.retransmissions,
        ...(outcome.timedOut
          ? { reason: 'notify-timeout' }
          : outcome.status >= 300
            ? { reason: outcome.error ? `notify-${outcome.error}` : 'notify-refused' }
            : {}),
      };
    } finally {
      this.#notifying--;
    }
  }

  #claim(subscribe: PnpSubscribe): { driver: Driver; vendor: string; score: number } | undefined {
    let best: { driver: Driver; vendor: string; score: number } | undefined;
    for (const driver of this.#options.drivers) {
      const claim = driver.claimsPnp?.(subscribe);
      if (claim && driver.vendors.includes(claim.vendor) && (!best || claim.score > best.score)) {
        best = { driver, vendor: claim.vendor, score: claim.score };
      }
    }
    return best;
  }

  async #reachedAt(remote: string): Promise<string> {
    const bound = this.#options.endpoint.local.address;
    if (bound !== '0.0.0.0' && bound !== '::') return bound;
    return (await this.#options.localAddress(remote)) ?? '127.0.0.1';
  }

  /** A token bucket per source address, so one phone (or a spoofer) cannot keep us sending. */
  #allowed(address: string): boolean {
    const now = Date.now();
    const bucket = this.#buckets.get(address);
    const { burst, perSecond } = this.#rate;
    const tokens = bucket
      ? Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond)
      : burst;
    if (!bucket && this.#buckets.size >= MAX_BUCKETS) this.#buckets.clear();
    if (tokens < 1) {
      this.#buckets.set(address, { tokens, at: now });
      return false;
    }
    this.#buckets.set(address, { tokens: tokens - 1, at: now });
    return true;
  }

  /** A token bucket per NOTIFY destination, so no host is flooded with them, forged or not. */
  #mayNotify(address: string): boolean {
    const perMinute = this.#options.notifiesPerMinute ?? 60;
    const now = Date.now();
    const bucket = this.#destinations.get(address);
    const tokens = bucket
      ? Math.min(perMinute, bucket.tokens + ((now - bucket.at) / 60_000) * perMinute)
      : perMinute;
    if (!bucket && this.#destinations.size >= MAX_BUCKETS) this.#destinations.clear();
    if (tokens < 1) {
      this.#destinations.set(address, { tokens, at: now });
      this.#options.onLimit?.({
        door: 'sip',
        limit: 'sip-notifies-per-minute',
        address,
        detail: `more than ${perMinute} NOTIFYs a minute to this address`,
      });
      return false;
    }
    this.#destinations.set(address, { tokens: tokens - 1, at: now });
    return true;
  }

  #record(request: SipRequest, from: Peer, at: Date, started: number, handled: Handled): void {
    const agent = header(request, 'User-Agent');
    const event: ProvisioningEvent = {
      at: at.toISOString(),
      file: handled.file ?? request.uri.slice(0, 256),
      transport: 'sip',
      address: from.address,
      status: handled.status,
      bytes: handled.bytes ?? 0,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      ...(handled.mac ? { mac: handled.mac } : {}),
      ...(handled.driver ? { driver: handled.driver } : {}),
      ...(agent ? { userAgent: agent.slice(0, 256) } : {}),
      ...(handled.retransmissions ? { retransmissions: handled.retransmissions } : {}),
      ...(handled.reason ? { reason: handled.reason } : {}),
    };
    const device = handled.device;
    publishRequest(event, handled.vendor ?? device?.vendor ?? 'unknown', 'pnp');
    const reported: NonNullable<Device['reported']> = {};
    if (handled.subscribe?.model) reported.model = handled.subscribe.model;
    if (handled.subscribe?.version) reported.firmware = handled.subscribe.version;
    this.#options.recorder.record(
      event,
      device ? lastContactOf(event, device.mac, reported) : undefined,
    );
  }
}

export function isMulticast(host: string | undefined): boolean {
  if (host === undefined || isIP(host) !== 4) return false;
  const first = Number(host.split('.')[0]);
  return first >= 224 && first <= 239;
}
