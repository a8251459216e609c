// Connection request (TR-069 §3.2.2): an HTTP GET to the CPE's ConnectionRequestURL, with
// digest authentication, that makes the CPE open a session with `6 CONNECTION REQUEST`.

import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

import { publishRequest, requestChannel } from '../channels.ts';
import { digestAuthorization, parseDigestChallenge } from '../crypto/digest.ts';
import type { Mac } from '../model/mac.ts';
import type { ResyncOutcome } from '../model/resync.ts';
import type { ProvisioningEvent } from '../model/event.ts';
import type { EventRecorder } from '../provisioning/recorder.ts';
import type { Store } from '../store/store.ts';

const TIMEOUT_MS = 10_000;

/** Asks the CPE to open a session now; with `reboot`, the session ends in a Reboot. */
export async function connectionRequest(
  context: { store: Store; recorder: EventRecorder; now: () => Date },
  mac: Mac,
  options: { reboot: boolean; timeoutMs?: number },
): Promise<ResyncOutcome> {
  const started = performance.now();
  const at = context.now();
  const event = options.reboot ? 'connection-request;reboot' : 'connection-request';
  const state = options.reboot
    ? await context.store.updateCwmpState(mac, (s) => ({ ...s, rebootRequested: at.toISOString() }))
    : await context.store.cwmpState(mac);
  const url = state?.connectionRequestUrl;
  let outcome: ResyncOutcome;
  if (!url) {
    outcome = {
      at: at.toISOString(),
      status: 503,
      ok: false,
      reason: state ? 'no-connection-request-url' : 'never-informed',
      event,
      target: '',
      retransmissions: 0,
      durationMs: 0,
    };
  } else {
    const sent = await sendConnectionRequest(url, state.connectionRequest, options.timeoutMs);
    outcome = {
      at: at.toISOString(),
      status: sent.status,
      ok: sent.status >= 200 && sent.status < 300,
      ...(sent.reason ? { reason: sent.reason } : {}),
      event,
      target: url,
      retransmissions: 0,
      durationMs: Math.round(performance.now() - started),
    };
  }
  await context.store.recordResync(mac, outcome).catch(() => undefined);
  const recorded: ProvisioningEvent = {
    at: outcome.at,
    mac,
    file: 'cwmp/connection-request',
    transport: 'acs',
    address: url ? hostOf(url) : '',
    status: outcome.status,
    bytes: 0,
    durationMs: outcome.durationMs,
    ...(outcome.reason ? { reason: outcome.reason } : {}),
  };
  if (requestChannel.hasSubscribers) {
    const device = await context.store.getDevice(mac).catch(() => undefined);
    publishRequest(recorded, device?.vendor ?? 'unknown', 'resync');
  }
  context.recorder.record(recorded);
  return outcome;
}

/**
 * One GET, answered once more with Digest when challenged. Status 0 when nothing answered;
 * `reason` says why it failed, never with the credentials.
 */
export async function sendConnectionRequest(
  url: string,
  credentials: { username: string; password: string } | undefined,
  timeoutMs = TIMEOUT_MS,
): Promise<{ status: number; reason?: string }> {
  let target: URL;
  try {
    target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error('scheme');
  } catch {
    return { status: 400, reason: 'bad-url' };
  }
  const first = await get(target, undefined, timeoutMs);
  if (first.status !== 401) return first;
  if (!credentials) return { status: 401, reason: 'no-credentials' };
  const challenge = first.challenges.map(parseDigestChallenge).find((c) => c !== undefined);
  if (!challenge) return { status: 401, reason: 'no-digest-challenge' };
  const authorization = digestAuthorization(challenge, credentials, {
    method: 'GET',
    uri: `${target.pathname}${target.search}`,
    cnonce: randomBytes(8).toString('hex'),
  });
  const second = await get(target, authorization, timeoutMs);
  return second.status === 401 ? { status: 401, reason: 'auth-rejected' } : second;
}

function get(
  target: URL,
  authorization: string | undefined,
  timeoutMs: number,
): Promise<{ status: number; reason?: string; challenges: string[] }> {
  return new Promise((resolve) => {
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(
      target,
      {
        method: 'GET',
        headers: { ...(authorization ? { authorization } : {}), connection: 'close' },
        timeout: timeoutMs,
        // CPEs present self-signed certificates; the digest exchange is what proves them.
        ...(target.protocol === 'https:' ? { rejectUnauthorized: false } : {}),
      },
      (response: IncomingMessage) => {
        response.resume();
        const challenges = response.headersDistinct['www-authenticate'] ?? [];
        response.on('end', () => resolve({ status: response.statusCode ?? 0, challenges }));
        response.on('error', () => resolve({ status: 0, reason: 'reset', challenges: [] }));
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', (error) =>
      resolve({
        status: error.message === 'timeout' ? 408 : 0,
        reason: error.message === 'timeout' ? 'timeout' : 'unreachable',
        challenges: [],
      }),
    );
    request.end();
  });
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return '';
  }
}
