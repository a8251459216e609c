// How every refusal looks from outside: counted against the address, answered no sooner than
// the floor after the request came in, with the same challenge (or the same 404) whether the
// MAC is unknown, the credentials wrong or the file missing.

import { setTimeout as delay } from 'node:timers/promises';

import type { AuthChallenge } from '../crypto/http-auth.ts';
import type { AccessControl } from './access.ts';
import type { Refusal } from './access-policy.ts';
import { notFound, NOT_FOUND_TYPE, type FileAnswer } from './answer.ts';
import type { EffectiveSettings } from './effective-settings.ts';
import type { Identified } from './identify.ts';
import type { RequestEvents } from './record.ts';
import type { Answer, ProvisioningRequest } from './request.ts';

export const THROTTLED: Refusal = { allowed: false, reason: 'throttled', miss: false };

/** When a request came in, and from which client address (after trusted proxies). */
export interface Arrival {
  at: Date;
  started: number;
  client: string;
}

/**
 * A blocked address costs no store lookup: its flood stops before identify, unless it shows
 * credentials or a certificate (that may be a phone behind the same NAT).
 */
export function refusedOutright(
  blocked: 'all' | 'anonymous' | undefined,
  request: ProvisioningRequest,
): boolean {
  return blocked === 'all' || (blocked === 'anonymous' && !showsProof(request));
}

/** Credentials or a verified certificate: what may still open a file to a blocked address. */
function showsProof(request: ProvisioningRequest): boolean {
  return request.credentials !== undefined || request.clientCertificate?.verified === true;
}

export class Refusals {
  readonly #access: AccessControl;
  readonly #settings: EffectiveSettings;
  readonly #events: RequestEvents;
  readonly #missFloorMs: number;

  constructor(options: {
    access: AccessControl;
    settings: EffectiveSettings;
    events: RequestEvents;
    missFloorMs: number;
  }) {
    this.#access = options.access;
    this.#settings = options.settings;
    this.#events = options.events;
    this.#missFloorMs = options.missFloorMs;
  }

  /** Waits until the floor after `started`: a refusal takes as long as any other. */
  async floor(started: number): Promise<void> {
    const wait = started + this.#missFloorMs - performance.now();
    if (wait > 0) await delay(wait);
  }

  /**
   * Counts a refusal against the address, waits for the floor and gives the challenge to
   * send, if any: none to a client that proved who it is, nor where no policy asks for one.
   */
  async settle(
    request: ProvisioningRequest,
    verdict: Refusal,
    client: string,
    started: number,
  ): Promise<AuthChallenge | undefined> {
    if (verdict.miss) this.#access.miss(client, request.transport, verdict.guess === true);
    await this.floor(started);
    if (verdict.authenticated) return undefined;
    // A store that cannot give the policy gives no challenge: the phone gets the same 404
    // as for any file that is not here, never the door's own error.
    try {
      const policy = await this.#settings.policyFor(undefined);
      return await this.#access.challenge(request, policy, verdict.stale === true);
    } catch {
      return undefined;
    }
  }

  /** One refused file request: settled, answered 401 or 404, recorded once when done. */
  async refuse(
    request: ProvisioningRequest,
    identified: Identified,
    verdict: Refusal,
    when: Arrival,
  ): Promise<Answer> {
    const challenge = await this.settle(request, verdict, when.client, when.started);
    const answer: FileAnswer = challenge
      ? { status: 401, contentType: NOT_FOUND_TYPE, size: 0, challenge }
      : notFound();
    return this.#events.answer(answer, {
      request,
      identified,
      device: identified.device,
      at: when.at,
      started: when.started,
      size: answer.size,
      reason: verdict.reason,
      client: when.client,
      delivered: undefined,
    });
  }
}
