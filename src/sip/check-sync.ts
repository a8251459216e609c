// check-sync: the NOTIFY that tells a phone to provision again (and reboot, where its driver
// says so), sent to the phone's SIP address, answering one digest challenge with the
// device's own account credentials. The outcome is kept per device and logged as an event.

import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

import { digestAuthorization, parseDigestChallenge } from '../crypto/digest.ts';
import { publishRequest } from '../channels.ts';
import type { Driver } from '../drivers/driver.ts';
import { fail, ok, pndError, type Result } from '../errors.ts';
import type { Device } from '../model/device.ts';
import type { Mac } from '../model/mac.ts';
import { effectiveSettings } from '../model/merge.ts';
import type { ResyncOutcome } from '../model/resync.ts';
import type { Settings } from '../model/settings.ts';
import type { ProvisioningEvent } from '../model/event.ts';
import type { EventRecorder } from '../provisioning/recorder.ts';
import type { Store } from '../store/store.ts';
import { newBranch, newCallId, newTag, sentBy, type Peer } from './build.ts';
import type { ClientOutcome, SipEndpoint } from './endpoint.ts';
import type { SipHeader, SipRequest } from './message.ts';
import { formatHostPort, parseHostPort } from './values.ts';

/** Where a check-sync goes: the Request-URI and the address it is sent to. */
export interface CheckSyncTarget {
  uri: string;
  user?: string;
  host: string;
  port: number;
}

/**
 * The device's `sip.contact` (`sip:user@host[:port]`, `user@host`, `host[:port]`), else the
 * address it last provisioned from at port 5060. The user part defaults to `accounts.1.user`.
 */
export function checkSyncTarget(device: Device, settings: Settings): Result<CheckSyncTarget> {
  const contact = settings['sip.contact'];
  let user: string | undefined;
  let host: string;
  let port = 5060;
  if (typeof contact === 'string' && contact !== '') {
    const bare = contact.replace(/^sips?:/i, '');
    const at = bare.lastIndexOf('@');
    if (at > 0) user = bare.slice(0, at);
    const hostPort = parseHostPort(bare.slice(at + 1));
    if (!hostPort) {
      return fail('PND_SIP_NO_ADDRESS', `device ${device.mac}: sip.contact is not a SIP address`);
    }
    host = hostPort.host;
    port = hostPort.port ?? 5060;
  } else if (device.lastContact?.address) {
    host = device.lastContact.address;
  } else {
    return fail(
      'PND_SIP_NO_ADDRESS',
      `device ${device.mac} has never contacted plugndial and has no sip.contact; set one, e.g. plugndial device set ${device.mac} --set sip.contact=sip:1001@192.0.2.23`,
    );
  }
  const account = settings['accounts.1.user'];
  if (user === undefined && typeof account === 'string' && account !== '') user = account;
  const uri = `sip:${user ? `${user}@` : ''}${formatHostPort(host, port)}`;
  return ok({ uri, host, port, ...(user ? { user } : {}) });
}

export interface CheckSyncOptions {
  store: Store;
  drivers: readonly Driver[];
  recorder: EventRecorder;
  /** The endpoint to send from: the SIP door's, or one opened for the purpose. */
  endpoint(): Promise<SipEndpoint>;
  localAddress(remote: string): Promise<string | undefined>;
  now?: () => Date;
  /** Client nonces for digest answers; injected so tests can pin them. */
  cnonce?: () => string;
}

export class CheckSync {
  readonly #options: CheckSyncOptions;
  readonly #now: () => Date;

  constructor(options: CheckSyncOptions) {
    this.#options = options;
    this.#now = options.now ?? ((): Date => new Date());
  }

  /**
   * Sends the check-sync NOTIFY and waits for its outcome (up to timer F, twice with a
   * challenge). Refuses, without sending, a device that cannot be told or reached.
   */
  async resync(mac: Mac, options: { reboot: boolean }): Promise<ResyncOutcome> {
    const { store, drivers } = this.#options;
    const device = await store.getDevice(mac);
    if (!device) throw pndError('PND_DEVICE_NOT_FOUND', `no device ${mac}`);
    const driver = drivers.find((d) => d.vendors.includes(device.vendor));
    const event = driver?.checkSync?.(device, options);
    if (event === undefined) {
      throw pndError(
        'PND_SIP_UNSUPPORTED',
        `${device.vendor} phones cannot be told to resync by SIP NOTIFY in this version`,
      );
    }
    const profiles = new Map((await store.listProfiles()).map((p) => [p.name, p] as const));
    const settings = effectiveSettings(device, profiles).settings;
    if (settings['provisioning.resync_from_sip'] === false) {
      throw pndError(
        'PND_SIP_RESYNC_DISABLED',
        `device ${mac} is told not to accept check-sync (provisioning.resync_from_sip=false)`,
      );
    }
    const target = checkSyncTarget(device, settings);
    if (!target.ok) throw target.error;

    const at = this.#now();
    const started = performance.now();
    const result = await this.#send(target.value, event, settings);
    const outcome: ResyncOutcome = {
      at: at.toISOString(),
      status: result.status,
      ok: result.status >= 200 && result.status < 300,
      event,
      target: target.value.uri,
      retransmissions: result.retransmissions,
      durationMs: Math.round(performance.now() - started),
      ...(result.reason ? { reason: result.reason } : {}),
    };
    await store.recordResync(mac, outcome).catch(() => undefined);
    const recorded: ProvisioningEvent = {
      at: outcome.at,
      mac,
      driver: driver!.name,
      file: event,
      transport: 'sip',
      address: target.value.host,
      status: outcome.status,
      bytes: 0,
      durationMs: outcome.durationMs,
      ...(outcome.retransmissions ? { retransmissions: outcome.retransmissions } : {}),
      ...(outcome.reason ? { reason: outcome.reason } : {}),
    };
    publishRequest(recorded, device.vendor, 'resync');
    this.#options.recorder.record(recorded);
    return outcome;
  }

  async #send(
    target: CheckSyncTarget,
    event: string,
    settings: Settings,
  ): Promise<{ status: number; retransmissions: number; reason?: string }> {
    let address: string;
    try {
      address = isIP(target.host) ? target.host : (await lookup(target.host)).address;
    } catch {
      return { status: 503, retransmissions: 0, reason: 'unresolvable' };
    }
    const endpoint = await this.#options.endpoint();
    const to: Peer = { address, port: target.port };
    const localAddress =
      endpoint.local.address === '0.0.0.0' || endpoint.local.address === '::'
        ? ((await this.#options.localAddress(address)) ?? endpoint.local.address)
        : endpoint.local.address;
    const local: Peer = { address: localAddress, port: endpoint.local.port };
    const dialog = { callId: newCallId(localAddress), fromTag: newTag() };

    const first = await endpoint.request(notify(target, event, local, dialog, 1), to);
    if (first.status !== 401 && first.status !== 407) return summary(first, first.retransmissions);

    const challengeName = first.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate';
    const challenge = first.response
      ? firstDigest(first.response.headers, challengeName)
      : undefined;
    const user = text(settings['accounts.1.auth_user']) ?? text(settings['accounts.1.user']);
    const password = text(settings['accounts.1.password']);
    if (!user || password === undefined) {
      return {
        status: first.status,
        retransmissions: first.retransmissions,
        reason: 'no-credentials',
      };
    }
    if (!challenge) {
      return {
        status: first.status,
        retransmissions: first.retransmissions,
        reason: 'unsupported-challenge',
      };
    }
    const authorization = digestAuthorization(
      challenge,
      { username: user, password },
      {
        method: 'NOTIFY',
        uri: target.uri,
        cnonce: this.#options.cnonce?.() ?? randomBytes(8).toString('hex'),
      },
    );
    const second = await endpoint.request(
      notify(target, event, local, dialog, 2, {
        name: first.status === 401 ? 'Authorization' : 'Proxy-Authorization',
        value: authorization,
      }),
      to,
    );
    const retransmissions = first.retransmissions + second.retransmissions;
    if (second.status === 401 || second.status === 407) {
      return { status: second.status, retransmissions, reason: 'auth-rejected' };
    }
    return summary(second, retransmissions);
  }
}

function notify(
  target: CheckSyncTarget,
  event: string,
  local: Peer,
  dialog: { callId: string; fromTag: string },
  cseq: number,
  auth?: SipHeader,
): SipRequest {
  const headers: SipHeader[] = [
    { name: 'Via', value: `SIP/2.0/UDP ${sentBy(local)};branch=${newBranch()};rport` },
    { name: 'Max-Forwards', value: '70' },
    { name: 'From', value: `<sip:plugndial@${sentBy(local)}>;tag=${dialog.fromTag}` },
    { name: 'To', value: `<${target.uri}>` },
    { name: 'Call-ID', value: dialog.callId },
    { name: 'CSeq', value: `${cseq} NOTIFY` },
    { name: 'Contact', value: `<sip:plugndial@${sentBy(local)}>` },
    { name: 'Event', value: event },
    { name: 'Subscription-State', value: 'terminated' },
    ...(auth ? [auth] : []),
  ];
  return { kind: 'request', method: 'NOTIFY', uri: target.uri, headers, body: Buffer.alloc(0) };
}

function firstDigest(
  list: readonly SipHeader[],
  name: string,
): ReturnType<typeof parseDigestChallenge> {
  for (const h of list) {
    if (h.name !== name) continue;
    const challenge = parseDigestChallenge(h.value);
    if (challenge) return challenge;
  }
  return undefined;
}

function summary(
  outcome: ClientOutcome,
  retransmissions: number,
): { status: number; retransmissions: number; reason?: string } {
  if (outcome.timedOut) return { status: 408, retransmissions, reason: 'timeout' };
  if (outcome.error) return { status: outcome.status, retransmissions, reason: outcome.error };
  if (outcome.status >= 300) {
    const phrase = outcome.response?.reason.toLowerCase().replace(/[^a-z0-9]+/g, '-') ?? '';
    return { status: outcome.status, retransmissions, reason: phrase.slice(0, 40) || 'refused' };
  }
  return { status: outcome.status, retransmissions };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== ''
    ? value
    : typeof value === 'number'
      ? String(value)
      : undefined;
}
