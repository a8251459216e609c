import { randomBytes } from 'node:crypto';

import type { Mac } from '../model/mac.ts';

/** Credentials for one file of one device, as a TR-069 Download carries them. */
export interface OneTimeGrant {
  mac: Mac;
  /** The request path they open, as the client sends it (percent-encoded). */
  path: string;
  password: string;
  expires: number;
}

/** One-time grants kept at most; the oldest go first. */
const MAX_GRANTS = 10_000;
/** A Download's credentials prefix: never a MAC, so never a device's username. */
const GRANT_PREFIX = 'dl-';

/** Whether a username is of the form grants have (it may still name none). */
export function isGrantName(username: string): boolean {
  return username.startsWith(GRANT_PREFIX);
}

/**
 * One-time credentials by username, held in memory by the node that handed them out: what
 * the ACS writes into a Download so the CPE can fetch one file from the HTTP door.
 */
export class OneTimeGrants {
  readonly #grants = new Map<string, OneTimeGrant>();

  /** Credentials that open `path` of `mac` until `now + ttlMs`, or until revoked. */
  grant(
    mac: Mac,
    path: string,
    ttlMs: number,
    now: number,
  ): { username: string; password: string } {
    for (const [name, grant] of this.#grants) if (grant.expires <= now) this.#grants.delete(name);
    while (this.#grants.size >= MAX_GRANTS) this.#grants.delete(this.#grants.keys().next().value!);
    const username = `${GRANT_PREFIX}${randomBytes(9).toString('base64url')}`;
    const password = randomBytes(18).toString('base64url');
    this.#grants.set(username, { mac, path, password, expires: now + ttlMs });
    return { username, password };
  }

  revoke(username: string): void {
    this.#grants.delete(username);
  }

  /** The grant a username names, while it lasts; a username of another form names none. */
  find(username: string, now: number): OneTimeGrant | undefined {
    if (!isGrantName(username)) return undefined;
    const grant = this.#grants.get(username);
    return grant && grant.expires > now ? grant : undefined;
  }
}
