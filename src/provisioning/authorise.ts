// The authorise stage as the pipeline asks it: the device's policy (from the resolve stage)
// against the request's facts, run on every request after the answer memo.

import type { AccessControl } from './access.ts';
import type { AccessVerdict } from './access-policy.ts';
import type { EffectiveSettings } from './effective-settings.ts';
import type { Identified } from './identify.ts';
import type { ProvisioningRequest } from './request.ts';

export class Authorisation {
  readonly #access: AccessControl;
  readonly #settings: EffectiveSettings;

  constructor(access: AccessControl, settings: EffectiveSettings) {
    this.#access = access;
    this.#settings = settings;
  }

  /** The verdict without awaiting, when the cached policy allows one (see decideAtOnce). */
  atOnce(
    request: ProvisioningRequest,
    identified: Pick<Identified, 'device' | 'mac'>,
    client: string,
    found: boolean,
    generation: number,
  ): AccessVerdict | undefined {
    const policy = this.#settings.cachedPolicy(generation, identified.device);
    if (policy === undefined) return undefined;
    return this.#access.decideAtOnce({
      request,
      client,
      policy,
      found,
      device: identified.device,
      mac: identified.mac,
    });
  }

  async decide(
    request: ProvisioningRequest,
    identified: Pick<Identified, 'device' | 'mac'>,
    client: string,
    found: boolean,
  ): Promise<AccessVerdict> {
    try {
      const policy = await this.#settings.policyFor(identified.device);
      return await this.#access.decide({
        request,
        client,
        policy,
        found,
        ...(identified.device ? { device: identified.device } : {}),
        ...(identified.mac ? { mac: identified.mac } : {}),
      });
    } catch {
      // A store outage must not open anything.
      return { allowed: false, reason: 'internal-error', miss: false };
    }
  }
}
