// The plug-and-play exchange in messages (VENDORS.md "SIP plug-and-play"): what a phone's
// SUBSCRIBE says, the 200 OK, and the NOTIFY that carries the URL. Pure; no vendor knowledge.

import { isIP } from 'node:net';

import type { PnpAnnouncement, PnpMacForm, PnpSubscribe } from '../drivers/driver.ts';
import type { Mac } from '../model/mac.ts';
import { newBranch, newCallId, newTag, responseTo, sentBy, topVia, type Peer } from './build.ts';
import { header, type SipHeader, type SipRequest, type SipResponse } from './message.ts';
import { parseNameAddr, parseParams, parseSipUri, quote } from './values.ts';

/** The SIP multicast group phones send plug-and-play SUBSCRIBEs to (RFC 5771: SIP). */
export const PNP_GROUP = '224.0.1.75';
export const PNP_EVENT = 'ua-profile';

const MAC_USER = /^MAC(%3a|%3A|:|=)?([0-9A-Fa-f]{12})$/i;

export type PnpProblem = 'bad-event' | 'no-mac';

/** Reads a SUBSCRIBE for `Event: ua-profile`; the MAC from the Request-URI, else From or To. */
export function readPnpSubscribe(
  request: SipRequest,
): { ok: true; subscribe: PnpSubscribe } | { ok: false; problem: PnpProblem; mac?: Mac } {
  const event = parseParams(header(request, 'Event') ?? '');
  const found = [request.uri, nameAddrUri(request, 'From'), nameAddrUri(request, 'To')]
    .map((uri) => (uri === undefined ? undefined : macOfUri(uri)))
    .find((m) => m !== undefined);
  if (event.value.toLowerCase() !== PNP_EVENT) {
    return { ok: false, problem: 'bad-event', ...(found ? { mac: found.mac } : {}) };
  }
  if (!found) return { ok: false, problem: 'no-mac' };
  const agent = header(request, 'User-Agent');
  const p = event.params;
  return {
    ok: true,
    subscribe: {
      mac: found.mac,
      macForm: found.form,
      ...(p['vendor'] ? { vendor: p['vendor'].trim().slice(0, 64) } : {}),
      ...(p['model'] ? { model: p['model'].trim().slice(0, 64) } : {}),
      ...(p['version'] ? { version: p['version'].trim().slice(0, 64) } : {}),
      ...(p['profile-type'] ? { profileType: p['profile-type'].slice(0, 32) } : {}),
      ...(agent ? { userAgent: agent.slice(0, 256) } : {}),
    },
  };
}

/** `MAC%3a0021F2000001`, `MAC%3A…`, `MAC:…`, `MAC=…` or `MAC…` in a SIP URI's user part. */
export function macOfUri(uri: string): { mac: Mac; form: PnpMacForm } | undefined {
  const userinfo = parseSipUri(uri)?.userinfo;
  const match = userinfo === undefined ? null : MAC_USER.exec(userinfo);
  if (!match) return undefined;
  const forms: Record<string, PnpMacForm> = {
    '': 'MAC',
    '%3a': 'MAC%3a',
    '%3A': 'MAC%3A',
    ':': 'MAC:',
    '=': 'MAC=',
  };
  const form = forms[match[1] ?? ''] ?? 'MAC';
  return { mac: match[2]!.toLowerCase() as Mac, form };
}

function nameAddrUri(request: SipRequest, name: string): string | undefined {
  const value = header(request, name);
  return value === undefined ? undefined : parseNameAddr(value)?.uri;
}

/** The 200 OK to a plug-and-play SUBSCRIBE: the subscription ends at once (`Expires: 0`). */
export function pnpAccepted(
  request: SipRequest,
  from: Peer,
  local: Peer,
  toTag: string,
): SipResponse {
  return responseTo(request, 200, 'OK', {
    from,
    toTag,
    headers: [
      { name: 'Contact', value: `<sip:${sentBy(local)}>` },
      { name: 'Expires', value: '0' },
    ],
  });
}

/**
 * The NOTIFY carrying the URL, in the SUBSCRIBE's dialog: From is its To (with our tag),
 * To its From, the Event copied, the subscription terminated.
 */
export function pnpNotify(
  request: SipRequest,
  options: { url: string; toTag: string; local: Peer; target: Peer },
): SipRequest {
  const contact = header(request, 'Contact');
  const contactUri = contact === undefined ? undefined : parseNameAddr(contact)?.uri;
  const uri =
    contactUri && parseSipUri(contactUri)
      ? contactUri
      : `sip:${parseSipUri(request.uri)?.userinfo ?? 'pnp'}@${sentBy(options.target)}`;
  const to = header(request, 'To') ?? `<${request.uri}>`;
  const headerList: SipHeader[] = [
    { name: 'Via', value: `SIP/2.0/UDP ${sentBy(options.local)};branch=${newBranch()};rport` },
    { name: 'Max-Forwards', value: '70' },
    { name: 'From', value: `${to};tag=${options.toTag}` },
    { name: 'To', value: header(request, 'From') ?? `<${uri}>` },
    { name: 'Call-ID', value: header(request, 'Call-ID') ?? newCallId(options.local.address) },
    { name: 'CSeq', value: '1 NOTIFY' },
    { name: 'Contact', value: `<sip:${sentBy(options.local)}>` },
    { name: 'Event', value: header(request, 'Event') ?? PNP_EVENT },
    { name: 'Subscription-State', value: 'terminated;reason=timeout' },
    { name: 'Content-Type', value: 'application/url' },
  ];
  return {
    kind: 'request',
    method: 'NOTIFY',
    uri,
    headers: headerList,
    body: Buffer.from(options.url, 'utf8'),
  };
}

/**
 * Where the NOTIFY goes: back to the source when the SUBSCRIBE's Via asks for `rport`,
 * else to its Contact (an address, not a name), else to the source at the Via's port.
 */
export function notifyDestination(request: SipRequest, from: Peer): Peer {
  const via = topVia(request);
  if (!via || 'rport' in via.params) return from;
  const contact = header(request, 'Contact');
  const uri = contact === undefined ? undefined : parseSipUri(parseNameAddr(contact)?.uri ?? '');
  if (uri && isIP(uri.host) !== 0) return { address: uri.host, port: uri.port ?? 5060 };
  return { address: from.address, port: via.port ?? 5060 };
}

/** A phone's SUBSCRIBE, as `plugndial simulate --via pnp` sends it. */
export function pnpSubscribe(
  announcement: PnpAnnouncement,
  options: { local: Peer; server: Peer; userAgent?: string },
): SipRequest {
  const target = `${announcement.user}@${sentBy(options.server)}`;
  const uri = `sip:${announcement.user}@${options.server.address}`;
  const event = [
    PNP_EVENT,
    'profile-type="device"',
    `vendor=${quote(announcement.vendor)}`,
    `model=${quote(announcement.model)}`,
    `version=${quote(announcement.version)}`,
  ].join(';');
  const headerList: SipHeader[] = [
    { name: 'Via', value: `SIP/2.0/UDP ${sentBy(options.local)};branch=${newBranch()};rport` },
    { name: 'Max-Forwards', value: '70' },
    { name: 'From', value: `<sip:${target}>;tag=${newTag()}` },
    { name: 'To', value: `<sip:${target}>` },
    { name: 'Call-ID', value: newCallId(options.local.address) },
    { name: 'CSeq', value: '1 SUBSCRIBE' },
    { name: 'Contact', value: `<sip:${announcement.user}@${sentBy(options.local)}>` },
    { name: 'Event', value: event },
    { name: 'Accept', value: 'application/url' },
    { name: 'Expires', value: '0' },
    ...(options.userAgent ? [{ name: 'User-Agent', value: options.userAgent }] : []),
  ];
  return { kind: 'request', method: 'SUBSCRIBE', uri, headers: headerList, body: Buffer.alloc(0) };
}
