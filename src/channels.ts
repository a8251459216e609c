// What plugndial publishes on node:diagnostics_channel: one channel per kind of event, so
// the operator log, the metrics and any tracer subscribe to the same facts instead of each
// door calling each of them. Publishers check `hasSubscribers` first; a channel nobody
// listens to costs one property read. Messages are facts, never secrets; subscribers must
// not keep them past the call.
import { channel } from 'node:diagnostics_channel';

import type { ProvisioningEvent } from './model/event.ts';

/** What a request was for, beyond its event: a file kind or the protocol exchange. */
export type RequestKind =
  | 'boot'
  | 'config'
  | 'firmware'
  | 'phonebook'
  | 'manifest'
  | 'resource'
  /** A file no driver claims: the overlay of stored files, or nothing. */
  | 'other'
  /** A plug-and-play SUBSCRIBE. */
  | 'pnp'
  /** A check-sync NOTIFY sent to the phone. */
  | 'resync'
  /** A TR-069 (CWMP) request. */
  | 'cwmp';

/** One device-facing request, as it is recorded: the event, its vendor and its kind. */
export interface RequestMessage {
  event: ProvisioningEvent;
  /** The device's vendor, else the one the request was taken for; `unknown` when none. */
  vendor: string;
  kind: RequestKind;
}

export const requestChannel = channel('plugndial:request');

export function publishRequest(event: ProvisioningEvent, vendor: string, kind: RequestKind): void {
  if (!requestChannel.hasSubscribers) return;
  const message: RequestMessage = { event, vendor, kind };
  requestChannel.publish(message);
}

/** A client address blocked by the miss throttle. */
export interface BlockMessage {
  /** `anonymous`: refusals without credentials; `all`: wrong credentials. */
  scope: 'anonymous' | 'all';
}

export const blockChannel = channel('plugndial:throttle:block');

/** A TR-069 session opened by an Inform, and the results of the Downloads it reports. */
export interface Tr069Message {
  what: 'session' | 'download';
  /** Downloads: 0 for success, else the CPE's fault code. */
  faultCode?: number;
}

export const tr069Channel = channel('plugndial:tr069');

/** One store statement or transaction, timed from call to result. */
export interface StoreQueryMessage {
  engine: 'sqlite' | 'postgres';
  what: 'query' | 'transaction';
  seconds: number;
}

export const storeQueryChannel = channel('plugndial:store:query');
