import { setBounded } from '../provisioning/generation-cache.ts';

/** How long one address's refusals count as one burst. */
const WINDOW_MS = 60_000;
/** Addresses remembered at once: a spray from many addresses costs this much, never more. */
const ADDRESSES = 4096;

/**
 * Which refused admin tokens become security events. Each is worth knowing, but a guesser at
 * thousands a second must not fill the store: the first refusal of an address in a minute is
 * recorded, the next one after that minute says how many came in between.
 */
export class RefusalTally {
  readonly #bursts = new Map<string, { since: number; more: number }>();

  /** Whether this address was refused `limit` times or more in its current minute. */
  exceeded(address: string, now: number, limit: number): boolean {
    const burst = this.#bursts.get(address);
    return burst !== undefined && now - burst.since < WINDOW_MS && burst.more + 1 >= limit;
  }

  /** The event's detail when this refusal is to be recorded, else undefined (counted). */
  refused(address: string, now: number): { detail?: string } | undefined {
    const burst = this.#bursts.get(address);
    if (burst && now - burst.since < WINDOW_MS) {
      burst.more += 1;
      return undefined;
    }
    setBounded(this.#bursts, address, { since: now, more: 0 }, ADDRESSES);
    return burst && burst.more > 0
      ? { detail: `${burst.more} more refused from this address in the minute before` }
      : {};
  }
}
